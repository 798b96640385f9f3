package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grounding module of Grounded Diffusion (official {@code Segmodule}, parameter and buffer names
 * included, with its {@code transfromer_decoder} spelling): UNet features and one text embedding per
 * category in, one mask logit map per category out.
 *
 * <ol>
 *   <li>Visual encoder: each feature group goes through a bias-free 1x1 conv and is resized
 *       (bilinear, align_corners=False) to its working size (low 16, mid 32, high and highest 64);
 *       then progressive fusion cat[low up, mid] -> mix-conv -> up -> cat[., high] -> mix-conv ->
 *       cat[., highest] -> mix-conv gives F [B, 240, 64, 64].</li>
 *   <li>Visual tokens: F cut into 4x4 patches (raster order, token layout c*16 + ky*4 + kx) -> {@code to_k}.</li>
 *   <li>Queries: {@code to_q}, then a 3-layer pre-norm transformer decoder (self-attention over the
 *       image's queries, cross-attention to its own visual tokens), then a 3-layer MLP: one 240-d mask
 *       embedding per category.</li>
 *   <li>Logits: dot product of each mask embedding with F at 64x64, bilinearly upsampled to 512x512.</li>
 * </ol>
 *
 * <p>Two evaluation orders differ from the official code but are exactly equivalent up to float
 * rounding because resizing, bias-free 1x1 convs and the dot product are all linear: the 1x1 convs run
 * at the features' native resolution before the resize chain, and the dot product runs at 64x64
 * before upsampling (N maps are upsampled instead of 240 channels). For speed on CPU (oneDNN instead of
 * a generic GEMM), the 1x1 convs run as convolutions declared with dilation 2 (a no-op for a 1x1
 * kernel) and {@code to_k} over the 4x4 patch tokens runs as a 4x4 convolution with stride 4, the
 * same weight memory read as [d, c, ky, kx].
 *
 * <p>Batching (the official code only works for one image): feature tensors come as the UNet's
 * classifier-free-guidance batch [2B, C, H, W] = [uncond 0..B-1, cond 0..B-1]; image b uses channels
 * [uncond_b | cond_b], which is exactly the official layout for B = 1. Each image's queries attend
 * only to each other and to that image's tokens, and {@link BatchNormMode#BATCH} normalises each image
 * with its own statistics, so an image's output does not depend on the rest of the batch.
 *
 * <p>Batch norm: {@link BatchNormMode#BATCH} by default, because that is what the released official
 * code computes at inference (its demo never calls {@code eval()}), so it is the behaviour the
 * official checkpoint was released with. Buffers ({@code u0}, {@code sv0}, running statistics) are
 * updated only in training mode ({@code train(true)}); at inference the official demo updates them
 * too, but it runs once per loaded checkpoint, so its output equals ours.
 */
public final class GroundingModule extends Layer {
    /** The feature group names, coarse to fine, as {@code FeatureTaps.groups()} returns them. */
    public static final List<String> GROUPS = List.of("low", "mid", "high", "highest");

    private final GroundingConfig config;
    private final BatchNormMode batchNormMode;
    /**
     * Strong Java references to the container children that have no field of their own: a Layer is a
     * Java subclass of a native module, and once its Java object is collected, native calls that reach
     * it (train(), to()) fail with a NullPointerException.
     */
    private final List<Layer> containers = new ArrayList<>();

    final Conv2d lowConv;
    final Conv2d midConv;
    final MixConvBlock midMix;
    final Conv2d highConv;
    final MixConvBlock highMix;
    final Conv2d highestConv;
    final MixConvBlock highestMix;
    final NumberedList<DecoderLayer> decoderLayers;
    final NumberedList<Linear> mlpLayers;
    final Linear toK;
    final Linear toQ;

    public GroundingModule(GroundingConfig c, ParamFactory f) {
        this(c, f, BatchNormMode.BATCH);
    }

    public GroundingModule(GroundingConfig c, ParamFactory f, BatchNormMode batchNormMode) {
        this.config = c;
        this.batchNormMode = batchNormMode;
        // registration order = the official state_dict order
        lowConv = sequential("low_feature_conv", new Conv2d(f, c.lowChannels(), c.lowWidth(), 1, 1, 0, false));
        midConv = sequential("mid_feature_conv", new Conv2d(f, c.midChannels(), c.midWidth(), 1, 1, 0, false));
        midMix = child("mid_feature_mix_conv", new MixConvBlock(f, c.midMixChannels(), batchNormMode));
        highConv = sequential("high_feature_conv", new Conv2d(f, c.highChannels(), c.highWidth(), 1, 1, 0, false));
        highMix = child("high_feature_mix_conv", new MixConvBlock(f, c.highMixChannels(), batchNormMode));
        highestConv = sequential("highest_feature_conv", new Conv2d(f, c.highestChannels(), c.highestWidth(), 1, 1, 0, false));
        highestMix = child("highest_feature_mix_conv", new MixConvBlock(f, c.featureChannels(), batchNormMode));

        DecoderHolder decoder = child("transfromer_decoder", new DecoderHolder());
        containers.add(decoder);
        decoderLayers = decoder.layers;
        for (int i = 0; i < c.numLayers(); i++) {
            decoderLayers.add(new DecoderLayer(f, c.embeddingDim(), c.numHeads(), c.ffnDim()));
        }
        MlpHolder mlp = child("mlp", new MlpHolder());
        containers.add(mlp);
        mlpLayers = mlp.layers;
        mlpLayers.add(new Linear(f, c.embeddingDim(), c.embeddingDim(), true));
        mlpLayers.add(new Linear(f, c.embeddingDim(), c.embeddingDim(), true));
        mlpLayers.add(new Linear(f, c.embeddingDim(), c.featureChannels(), true));
        toK = child("to_k", new Linear(f, c.tokenDim(), c.embeddingDim(), false));
        toQ = child("to_q", new Linear(f, c.textDim(), c.embeddingDim(), false));
    }

    private Conv2d sequential(String name, Conv2d conv) {
        NumberedList<Conv2d> seq = child(name, new NumberedList<>());
        containers.add(seq);
        return seq.add(conv);
    }

    /** {@code transfromer_decoder.layers.<i>}. */
    private static final class DecoderHolder extends Layer {
        final NumberedList<DecoderLayer> layers = child("layers", new NumberedList<>());
    }

    /** {@code mlp.layers.<i>}. */
    private static final class MlpHolder extends Layer {
        final NumberedList<Linear> layers = child("layers", new NumberedList<>());
    }

    public GroundingConfig config() {
        return config;
    }

    public BatchNormMode batchNormMode() {
        return batchNormMode;
    }

    // ------------------------------------------------------------------ forward

    /**
     * @param features the UNet taps by group ({@link #GROUPS}), each tensor [2B, C, H, W] in CFG layout
     * @param queries  category embeddings [B, N, textDim]
     * @return mask logits [B, N, outputSize, outputSize]
     */
    public Tensor forward(Map<String, List<Tensor>> features, Tensor queries) {
        return forward(features, queries, null);
    }

    /** As {@link #forward(Map, Tensor)}, also putting the intermediates into {@code trace} (names as in the reference fixture). */
    public Tensor forward(Map<String, List<Tensor>> features, Tensor queries, Map<String, Tensor> trace) {
        if (queries.dim() != 3 || queries.size(2) != config.textDim()) {
            throw new GroundiffException("grounding: queries must be [B, N, " + config.textDim() + "], got " + Tensors.shapeString(queries));
        }
        int b = (int) queries.size(0);
        Tensor f = visualFeatures(features, b, trace);
        Tensor maskEmbedding = maskEmbeddings(f, queries, null, trace);
        return logits(f, maskEmbedding, trace);
    }

    /**
     * Images with different numbers of categories: {@code queries.get(b)} is [N_b, textDim]; returns
     * one [N_b, outputSize, outputSize] tensor per image.
     */
    public List<Tensor> forward(Map<String, List<Tensor>> features, List<Tensor> queries) {
        int b = queries.size();
        if (b == 0) throw new GroundiffException("grounding: no images");
        long max = 0;
        boolean ragged = false;
        for (int i = 0; i < b; i++) {
            Tensor q = queries.get(i);
            if (q.dim() != 2 || q.size(1) != config.textDim() || q.size(0) == 0) {
                throw new GroundiffException("grounding: queries of image " + i + " must be [N >= 1, " + config.textDim() + "], got " + Tensors.shapeString(q));
            }
            if (i > 0 && q.size(0) != max) ragged = true;
            max = Math.max(max, q.size(0));
        }
        Tensor padded;
        Tensor mask = null;
        if (!ragged) {
            padded = stack(queries);
        } else {
            List<Tensor> rows = new ArrayList<>();
            float[] maskValues = new float[(int) (b * max)];
            for (int i = 0; i < b; i++) {
                Tensor q = queries.get(i);
                long n = q.size(0);
                rows.add(n == max ? q : torch.cat(new TensorVector(q, q.new_zeros(new long[] {max - n, q.size(1)})), 0));
                for (long j = n; j < max; j++) maskValues[(int) (i * max + j)] = Float.NEGATIVE_INFINITY;
            }
            padded = stack(rows);
            mask = Tensors.fromFloats(maskValues, b, 1, 1, max).to(padded.scalar_type());
        }
        Tensor f = visualFeatures(features, b, null);
        Tensor logits = logits(f, maskEmbeddings(f, padded, mask, null), null);
        List<Tensor> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) out.add(logits.select(0, i).narrow(0, 0, queries.get(i).size(0)));
        return out;
    }

    private static Tensor stack(List<Tensor> ts) {
        TensorVector v = new TensorVector();
        for (Tensor t : ts) v.push_back(t);
        return torch.stack(v, 0);
    }

    /** The fused visual feature map F [B, featureChannels, featureSize, featureSize]. */
    public Tensor visualFeatures(Map<String, List<Tensor>> features, int batch, Map<String, Tensor> trace) {
        for (String g : GROUPS) {
            if (!features.containsKey(g)) throw new GroundiffException("grounding: feature group '" + g + "' is missing (have " + features.keySet() + ")");
        }
        GroundingConfig c = config;
        Tensor low = groupConv("low", features.get("low"), lowConv, c.lowChannels(), batch, c.lowSize());
        put(trace, "conv1x1.low", low);
        Tensor mid = groupConv("mid", features.get("mid"), midConv, c.midChannels(), batch, c.midSize());
        put(trace, "conv1x1.mid", mid);
        Tensor x = cat(resize(low, c.midSize()), mid);
        put(trace, "mix_input.mid", x);
        x = midMix.forward(x);
        put(trace, "mix.mid", x);
        Tensor high = groupConv("high", features.get("high"), highConv, c.highChannels(), batch, c.featureSize());
        put(trace, "conv1x1.high", high);
        x = cat(resize(x, c.featureSize()), high);
        put(trace, "mix_input.high", x);
        x = highMix.forward(x);
        put(trace, "mix.high", x);
        Tensor highest = groupConv("highest", features.get("highest"), highestConv, c.highestChannels(), batch, c.featureSize());
        put(trace, "conv1x1.highest", highest);
        x = cat(x, highest);
        put(trace, "mix_input.highest", x);
        x = highestMix.forward(x);
        put(trace, "feature_map", x);
        return x;
    }

    /** One mask embedding per query [B, N, featureChannels]; {@code queryMask} hides padded queries (or null). */
    public Tensor maskEmbeddings(Tensor featureMap, Tensor queries, Tensor queryMask, Map<String, Tensor> trace) {
        GroundingConfig c = config;
        long b = featureMap.size(0);
        if (queries.size(0) != b) {
            throw new GroundiffException("grounding: " + queries.size(0) + " query sets for " + b + " images");
        }
        int p = c.patchSize();
        // unfold(F, p, stride=p).transpose(1, 2): tokens in raster order, features c*p*p + ky*p + kx
        // to_k over those tokens is a p x p convolution with stride p (weight [d, c, ky, kx] is the same
        // memory as [d, c*p*p + ky*p + kx]); oneDNN runs it several times faster than permute + linear
        Tensor memory = torch.conv2d(featureMap, toK.weight.view(c.embeddingDim(), c.featureChannels(), p, p),
                        Tensors.opt(null), new long[] {p, p}, ZERO2, ONE2, 1)
                .flatten(2, 3).transpose(1, 2);
        put(trace, "to_k", memory);
        Tensor q = toQ.forward(queries.to(memory.scalar_type()));
        put(trace, "to_q", q);
        for (int i = 0; i < decoderLayers.items().size(); i++) {
            q = decoderLayers.items().get(i).forward(q, memory, queryMask);
            put(trace, "decoder.layer" + i, q);
        }
        put(trace, "query_embedding", q);
        List<Linear> mlp = mlpLayers.items();
        Tensor e = q;
        for (int i = 0; i < mlp.size(); i++) {
            e = mlp.get(i).forward(e);
            if (i < mlp.size() - 1) e = torch.relu(e);
        }
        put(trace, "mask_embedding", e);
        return e;
    }

    /** Logits [B, N, outputSize, outputSize]: the dot product at feature resolution, then bilinear upsampling. */
    public Tensor logits(Tensor featureMap, Tensor maskEmbedding, Map<String, Tensor> trace) {
        long b = featureMap.size(0), d = featureMap.size(1), h = featureMap.size(2), w = featureMap.size(3);
        long n = maskEmbedding.size(1);
        Tensor small = maskEmbedding.matmul(featureMap.reshape(b, d, h * w)).view(b, n, h, w);
        put(trace, "logits64", small);
        Tensor out = resize(small, config.outputSize());
        put(trace, "logits", out);
        return out;
    }

    // ------------------------------------------------------------------ visual encoder pieces

    /**
     * The group's bias-free 1x1 conv, applied tap by tap at native resolution (no concatenated copy of
     * the features), unconditional and conditional halves against their own weight columns, then
     * resized to {@code size}. Equal to the official resize-concat-conv because all three are linear.
     */
    private Tensor groupConv(String group, List<Tensor> taps, Conv2d conv, int expectedChannels, int batch, int size) {
        if (taps == null || taps.isEmpty()) throw new GroundiffException("grounding: feature group '" + group + "' is empty");
        long total = 0;
        for (int i = 0; i < taps.size(); i++) {
            Tensor t = taps.get(i);
            if (t.dim() != 4 || t.size(0) != 2L * batch) {
                throw new GroundiffException("grounding: feature " + group + "[" + i + "] must be [2B=" + (2 * batch)
                        + ", C, H, W] (unconditional then conditional), got " + Tensors.shapeString(t));
            }
            total += 2 * t.size(1);
        }
        if (total != expectedChannels) {
            throw new GroundiffException("grounding: feature group '" + group + "' has " + total + " channels (2 x sum of tap channels), the module expects "
                    + expectedChannels + " (does the UNet match the grounding checkpoint?)");
        }
        Tensor weight = conv.weight;
        // sum per native size, then resize each sum once
        Map<String, Tensor> bySize = new LinkedHashMap<>();
        Map<String, long[]> sizes = new LinkedHashMap<>();
        long offset = 0;
        for (Tensor t : taps) {
            long ch = t.size(1), h = t.size(2), w = t.size(3);
            Tensor x = t.to(weight.scalar_type());
            for (int half = 0; half < 2; half++) {
                Tensor part = x.narrow(0, (long) half * batch, batch);
                Tensor y = conv1x1(part, weight.narrow(1, offset + half * ch, ch));
                String key = h + "x" + w;
                Tensor acc = bySize.get(key);
                bySize.put(key, acc == null ? y : acc.add(y));
                sizes.put(key, new long[] {h, w});
            }
            offset += 2 * ch;
        }
        Tensor result = null;
        for (Map.Entry<String, Tensor> e : bySize.entrySet()) {
            long[] hw = sizes.get(e.getKey());
            Tensor y = resize(e.getValue(), size);
            result = result == null ? y : result.add(y);
        }
        return result;
    }

    /**
     * A bias-free 1x1 convolution [B, C, H, W] x [O, C, 1, 1] -> [B, O, H, W], declared with dilation 2.
     * A 1x1 kernel has a single tap, so dilation changes nothing in the result; it only makes libtorch
     * choose oneDNN (its heuristic sends an undilated 1x1 kernel at batch 1 on one thread to a generic
     * GEMM path), which measured about 3x faster forward and 2x faster forward + backward here.
     */
    static Tensor conv1x1(Tensor x, Tensor weight) {
        return torch.conv2d(x, weight, Tensors.opt(null), ONE2, ZERO2, TWO2, 1);
    }

    private static final long[] ZERO2 = {0, 0};
    private static final long[] ONE2 = {1, 1};
    private static final long[] TWO2 = {2, 2};

    /** Bilinear, align_corners=False, as F.interpolate(size=...); a no-op at the same size. */
    static Tensor resize(Tensor x, long size) {
        if (x.size(2) == size && x.size(3) == size) return x;
        return torch.upsample_bilinear2d(x, new long[] {size, size}, false);
    }

    private static Tensor cat(Tensor a, Tensor b) {
        return torch.cat(new TensorVector(a, b), 1);
    }

    private static void put(Map<String, Tensor> trace, String name, Tensor t) {
        if (trace != null) trace.put(name, t);
    }

    /** Parameters and buffers under their official names, in the official {@code state_dict()} order (the module's own tensors). */
    public Map<String, Tensor> stateDict() {
        return TorchOrder.stateDict(this);
    }

    /** The trainable parameters under their official names, in the same order (the module's own tensors). */
    public Map<String, Tensor> namedParameters() {
        return TorchOrder.parameters(this);
    }

    /** The floating type of the weights (float32 unless the module was converted). */
    public DType dtype() {
        return DType.of(toQ.weight.scalar_type());
    }

    @Override
    public String toString() {
        return "GroundingModule" + Arrays.asList(config, batchNormMode);
    }
}
