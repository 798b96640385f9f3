package dev.groundiff.clip;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Embedding;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.LayerNorm;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * transformers' {@code CLIPTextModel} (the SD v1.x text encoder), parameter names exactly the checkpoint keys
 * ({@code text_model.embeddings.token_embedding.weight}, {@code text_model.encoder.layers.N.self_attn.q_proj.weight}, ...).
 *
 * <p>Attention is computed explicitly (softmax(scale Q K^T + causal mask) V), in place when no gradient is needed: libtorch 2.10's CPU SDPA kernel is slower.
 * Runs in the dtype the module was cast to (e.g. bfloat16): embeddings, mask and activations follow the weights.
 */
public final class ClipTextModel extends Layer {
    /** Not a weight: files from transformers < 4.31 hold this arange buffer; it is ignored on load. */
    public static final String POSITION_IDS_KEY = "text_model.embeddings.position_ids";

    /**
     * {@code hiddenStates}: embeddings output then each encoder layer's output (no final norm);
     * {@code attentions}: per layer [batch, heads, seq, seq], empty unless requested.
     */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput, List<Tensor> hiddenStates, List<Tensor> attentions) {}

    private final ClipTextConfig config;
    private final TextTransformer textModel;

    public ClipTextModel(ParamFactory f, ClipTextConfig config) {
        this.config = config;
        this.textModel = child("text_model", new TextTransformer(f, config));
    }

    public ClipTextConfig config() {
        return config;
    }

    /** A model built from {@code dir/config.json} with the weights of {@code dir/model.safetensors}. */
    public static ClipTextModel load(Path dir) {
        ClipTextModel m = new ClipTextModel(ParamFactory.uninitialized(), ClipTextConfig.read(dir.resolve("config.json")));
        m.loadWeights(dir.resolve("model.safetensors"));
        return m;
    }

    /** Copies the weights of a transformers safetensors file in (strict, except the legacy position_ids buffer). */
    public void loadWeights(Path safetensors) {
        try (SafeTensors st = SafeTensors.open(safetensors)) {
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (String k : st.entries().keySet()) if (!k.equals(POSITION_IDS_KEY)) weights.put(k, st.get(k));
            StateDict.load(this, weights, safetensors.toString());
        }
    }

    public Output forward(Tensor inputIds, boolean outputAttentions) {
        List<Tensor> hidden = new ArrayList<>();
        List<Tensor> attentions = new ArrayList<>();
        Tensor h = textModel.embeddings.forward(checkIds(inputIds));
        hidden.add(h);
        for (ClipEncoderLayer layer : textModel.encoder.layers) {
            ClipAttention.Result r = layer.forward(h, outputAttentions);
            h = r.output();
            hidden.add(h);
            if (outputAttentions) attentions.add(r.probs());
        }
        Tensor last = textModel.finalLayerNorm.forward(h);
        return new Output(last, pool(last, inputIds), Collections.unmodifiableList(hidden), Collections.unmodifiableList(attentions));
    }

    /**
     * The SD conditioning: {@code clipSkip} 0 gives last_hidden_state; k >= 1 gives
     * final_layer_norm(hidden_states[-(k+1)]) as diffusers' {@code encode_prompt(clip_skip=k)}; only the layers
     * needed are run.
     */
    public Tensor encode(Tensor inputIds, int clipSkip) {
        int layers = config.numHiddenLayers();
        if (clipSkip < 0 || clipSkip > layers) {
            throw new GroundiffException("clip skip " + clipSkip + " is out of range: the text encoder has " + layers + " layers (0.." + layers + ")");
        }
        Tensor h = textModel.embeddings.forward(checkIds(inputIds));
        for (int i = 0; i < layers - clipSkip; i++) h = textModel.encoder.layers.get(i).forward(h, false).output();
        return textModel.finalLayerNorm.forward(h);
    }

    private Tensor checkIds(Tensor ids) {
        long[] s = Tensors.shape(ids);
        if (s.length != 2 || s[1] < 1 || s[1] > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("input ids must be [batch, seq] with 1 <= seq <= " + config.maxPositionEmbeddings() + ", got " + Arrays.toString(s));
        }
        return ids;
    }

    /**
     * transformers 4.33: with the legacy eos_token_id 2 (SD v1.x configs) the pooled row is argmax(ids), which is
     * the first end-of-text token of CLIP's vocabulary; otherwise the first position holding eos_token_id.
     */
    private Tensor pool(Tensor last, Tensor ids) {
        Tensor key = config.eosTokenId() == 2 ? ids.to(ScalarType.Int) : ids.to(ScalarType.Int).eq(new Scalar(config.eosTokenId())).to(ScalarType.Int);
        Tensor index = key.argmax(new org.bytedeco.pytorch.LongOptional(-1), false);
        long[] s = Tensors.shape(last);
        Tensor gatherIndex = index.view(s[0], 1, 1).expand(s[0], 1, s[2]);
        return last.gather(1, gatherIndex).squeeze(1);
    }

    /** {@code text_model}: embeddings, encoder, final_layer_norm. */
    static final class TextTransformer extends Layer {
        final Embeddings embeddings;
        final Encoder encoder;
        final LayerNorm finalLayerNorm;

        TextTransformer(ParamFactory f, ClipTextConfig c) {
            embeddings = child("embeddings", new Embeddings(f, c));
            encoder = child("encoder", new Encoder(f, c));
            finalLayerNorm = child("final_layer_norm", new LayerNorm(f, c.hiddenSize(), c.layerNormEps()));
        }
    }

    /** Token embedding plus learned absolute position embedding. */
    static final class Embeddings extends Layer {
        final Embedding tokenEmbedding;
        final Embedding positionEmbedding;

        Embeddings(ParamFactory f, ClipTextConfig c) {
            tokenEmbedding = child("token_embedding", new Embedding(f, c.vocabSize(), c.hiddenSize()));
            positionEmbedding = child("position_embedding", new Embedding(f, c.maxPositionEmbeddings(), c.hiddenSize()));
        }

        Tensor forward(Tensor ids) {
            long seq = Tensors.shape(ids)[1];
            Tensor positions = torch.arange(new Scalar(seq), new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(ScalarType.Long)));
            return tokenEmbedding.forward(ids).add(positionEmbedding.forward(positions).unsqueeze(0));
        }
    }

    /** {@code encoder.layers.N}. */
    static final class Encoder extends Layer {
        final List<ClipEncoderLayer> layers = new ArrayList<>();

        Encoder(ParamFactory f, ClipTextConfig c) {
            LayerList list = child("layers", new LayerList());
            for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(list.add(String.valueOf(i), new ClipEncoderLayer(f, c)));
        }
    }

    /** A module whose children are named 0, 1, ... as in torch.nn.ModuleList. */
    static final class LayerList extends Layer {
        <M extends Layer> M add(String name, M m) {
            return child(name, m);
        }
    }
}
