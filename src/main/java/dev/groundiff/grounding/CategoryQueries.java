package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;
import java.util.List;

/**
 * Category names to grounding queries, as the official {@code train.py} does: the name is embedded
 * in the sentence "a photograph of a {name}", CLIP's {@code last_hidden_state} is taken at the name's
 * own BPE positions (5 .. 5+n-1: after BOS and the four template tokens) and averaged over them, giving
 * one vector per category. Because CLIP's text model is causal, the vector depends only on the template
 * and the name.
 */
public final class CategoryQueries {
    /** BPE ids of a text, without BOS/EOS or padding. */
    @FunctionalInterface
    public interface Tokenizer {
        int[] bpeIds(String text);
    }

    /** CLIP text model: ids [n, 77] int64 -> last_hidden_state [n, 77, dim]. */
    @FunctionalInterface
    public interface TextEncoder {
        Tensor lastHiddenState(Tensor ids);
    }

    /** The official training template's prefix. */
    public static final String TRAINING_PREFIX = "a photograph of a ";
    public static final int CLIP_BOS = 49406;
    public static final int CLIP_EOS = 49407;
    public static final int CLIP_LENGTH = 77;

    private final Tokenizer tokenizer;
    private final TextEncoder encoder;
    private final String prefix;
    private final int[] prefixIds;

    public CategoryQueries(Tokenizer tokenizer, TextEncoder encoder) {
        this(tokenizer, encoder, TRAINING_PREFIX);
    }

    /** {@code prefix}: the template before the name (the official demo uses "a photo of a "). */
    public CategoryQueries(Tokenizer tokenizer, TextEncoder encoder, String prefix) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.prefix = prefix;
        this.prefixIds = tokenizer.bpeIds(prefix.strip());
    }

    /** The sentence for a category. */
    public String sentence(String name) {
        return prefix + name.strip();
    }

    /** The 77 ids of the sentence: BOS, BPE, EOS, then EOS padding (Stable Diffusion v1's tokenizer). */
    public int[] ids(String name) {
        int[] bpe = sentenceBpe(name);
        int[] ids = new int[CLIP_LENGTH];
        Arrays.fill(ids, CLIP_EOS);
        ids[0] = CLIP_BOS;
        System.arraycopy(bpe, 0, ids, 1, bpe.length);
        return ids;
    }

    /** Positions in the 77 outputs that hold the name's sub-tokens (averaged into the query). */
    public int[] namePositions(String name) {
        int n = sentenceBpe(name).length - prefixIds.length;
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = 1 + prefixIds.length + i;
        return pos;
    }

    private int[] sentenceBpe(String name) {
        if (name == null || name.isBlank()) throw new GroundiffException("empty category name");
        int[] bpe = tokenizer.bpeIds(sentence(name));
        if (bpe.length < prefixIds.length || !Arrays.equals(Arrays.copyOf(bpe, prefixIds.length), prefixIds)) {
            throw new GroundiffException("category name '" + name + "': the template '" + prefix + "' does not tokenize as a prefix of '" + sentence(name) + "'");
        }
        int n = bpe.length - prefixIds.length;
        if (n == 0) throw new GroundiffException("category name '" + name + "' has no tokens");
        int max = CLIP_LENGTH - 2 - prefixIds.length;
        if (n > max) {
            throw new GroundiffException("category name '" + name + "' is " + n + " tokens long; at most " + max
                    + " fit in CLIP's " + CLIP_LENGTH + " positions after the template");
        }
        return bpe;
    }

    /** One query per name: [N, dim] float32. */
    public Tensor embed(List<String> names) {
        if (names.isEmpty()) throw new GroundiffException("no category names");
        long[] ids = new long[names.size() * CLIP_LENGTH];
        for (int i = 0; i < names.size(); i++) {
            int[] row = ids(names.get(i));
            for (int j = 0; j < CLIP_LENGTH; j++) ids[i * CLIP_LENGTH + j] = row[j];
        }
        Tensor states = encoder.lastHiddenState(Tensors.fromLongs(ids, names.size(), CLIP_LENGTH));
        TensorVector out = new TensorVector();
        for (int i = 0; i < names.size(); i++) {
            int[] pos = namePositions(names.get(i));
            Tensor s = states.select(0, i).narrow(0, pos[0], pos.length).to(ScalarType.Float);
            out.push_back(s.mean(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
        }
        return torch.stack(out, 0);
    }

    /** One query [dim] for one name. */
    public Tensor embed(String name) {
        return embed(List.of(name)).select(0, 0);
    }
}
