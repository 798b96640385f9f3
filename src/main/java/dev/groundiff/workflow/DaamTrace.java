package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.clip.ClipTokenizer;
import dev.groundiff.eval.DaamHeatMaps;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DAAM heat maps of one generated image from the pipeline's own cross-attention trace
 * ({@code GenerationResult.crossAttentionSums()}: per attn2 layer the conditional probabilities summed
 * over all steps, {@code [B, heads, HW, 77]}, query index row-major). Each layer's sum is reshaped to
 * {@link DaamHeatMaps#addSummed}'s {@code [heads, 77, h, w]}, in the trace's (execution) order.
 */
public final class DaamTrace {
    private final DaamHeatMaps maps;
    private final ClipTokenizer tokenizer;
    private final String prompt;
    private final Tensor global;

    private DaamTrace(DaamHeatMaps maps, ClipTokenizer tokenizer, String prompt) {
        this.maps = maps;
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.global = maps.globalHeatMap(tokenCount(tokenizer, prompt), false);
    }

    /** Image {@code image}'s maps out of a traced generation at latent size {@code latentH x latentW}. */
    public static DaamTrace of(Map<String, Tensor> crossAttentionSums, int image, int latentH, int latentW, ClipTokenizer tokenizer, String prompt) {
        if (crossAttentionSums == null || crossAttentionSums.isEmpty()) throw new GroundiffException("DAAM needs the generation's cross-attention trace");
        DaamHeatMaps d = new DaamHeatMaps(latentH, latentW);
        for (Map.Entry<String, Tensor> e : crossAttentionSums.entrySet()) {
            if (!DaamHeatMaps.usesLayer(e.getKey())) continue;
            Tensor s = e.getValue().select(0, image); // [heads, HW, 77]
            long heads = s.size(0), hw = s.size(1), tokens = s.size(2);
            if (tokens != DaamHeatMaps.CONTEXT) continue;
            long f = Math.round(Math.sqrt((double) latentH * latentW / hw));
            if (f <= 0 || (latentH / f) * (latentW / f) != hw) throw new GroundiffException(e.getKey() + ": " + hw + " query positions do not fit the latent " + latentH + "x" + latentW);
            d.addSummed(e.getKey(), s.permute(0, 2, 1).reshape(heads, tokens, latentH / f, latentW / f));
        }
        return new DaamTrace(d, tokenizer, prompt);
    }

    /** DAAM's T: the prompt's tokens + 2 (SOS, the tokens, the first EOT), at most 77. */
    public static int tokenCount(ClipTokenizer tokenizer, String prompt) {
        return Math.min(ClipTokenizer.MAX_LENGTH, tokenizer.bpe(prompt.toLowerCase(Locale.ROOT)).size() + 2);
    }

    public DaamHeatMaps heatMaps() {
        return maps;
    }

    /** The global heat map {@code [T, latentH, latentW]} (not normalised). */
    public Tensor global() {
        return global;
    }

    public int[] mergeIndices(String word) {
        List<String> p = tokenizer.bpe(prompt.toLowerCase(Locale.ROOT));
        return DaamHeatMaps.mergeIndices(p, tokenizer.bpe(word.toLowerCase(Locale.ROOT)));
    }

    /** The word's min-max normalised map at image size, {@code [height, width]}. */
    public Tensor expanded(String word, int height, int width) {
        return DaamHeatMaps.expand(DaamHeatMaps.wordHeatMap(global, mergeIndices(word)), height, width, false);
    }

    /** Expanded maps of the distinct words. */
    public Map<String, Tensor> expanded(List<String> words, int height, int width) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String w : words) out.computeIfAbsent(w, k -> expanded(k, height, width));
        return out;
    }
}
