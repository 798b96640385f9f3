package dev.groundiff.diffusion.unet;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The features one UNet call exposes (Grounded Diffusion, research/paper_code.md §1.3).
 *
 * <p>Block taps: the outputs of CompVis' {@code input_blocks[0..11]}, {@code middle_block} and
 * {@code output_blocks[0..11]} for SD v1.x, named {@link #NAMES}: {@code in0} = conv_in, {@code in1..in11}
 * = the down path's skip tensors, {@code middle} = mid block, {@code out0..out11} = each up-block
 * layer's output (the last of a block after its upsampler). Each is {@code [B, C, H, W]} over the
 * UNet's own batch (for classifier-free guidance: [uncond..., cond...]).
 *
 * <p>{@link #groups()} sorts them by resolution relative to the latent, in the official concat order:
 * {@code low} (/8: in9, in10, in11, middle, out0, out1), {@code mid} (/4: in6, in7, in8, out2, out3,
 * out4), {@code high} (/2: in3, in4, in5, out5, out6, out7), {@code highest} (/1: in0, in1, in2,
 * out8, out9, out10, out11).
 *
 * <p>{@link #crossAttention()}: per cross-attention layer ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn2},
 * ...) its probabilities {@code [B, heads, H*W, 77]}, query index row-major ({@code h*W + w}).
 */
public final class FeatureTaps {
    /** Tap names for the SD v1.x structure, in order. */
    public static final String[] NAMES = {
            "in0", "in1", "in2", "in3", "in4", "in5", "in6", "in7", "in8", "in9", "in10", "in11",
            "middle",
            "out0", "out1", "out2", "out3", "out4", "out5", "out6", "out7", "out8", "out9", "out10", "out11"};

    /** Group names by level (0 = latent resolution, each level half the previous). */
    private static final String[] GROUP_BY_LEVEL = {"highest", "high", "mid", "low"};

    private final List<String> names;
    private final List<Tensor> blocks;
    private final List<Integer> levels;
    private final Map<String, Tensor> crossAttention;

    /**
     * @param levels per block tap, its resolution level (0 = latent size, k = latent / 2^k)
     */
    FeatureTaps(List<String> names, List<Tensor> blocks, List<Integer> levels, Map<String, Tensor> crossAttention) {
        if (names.size() != blocks.size() || levels.size() != blocks.size()) throw new IllegalArgumentException("tap lists differ in length");
        this.names = List.copyOf(names);
        this.blocks = List.copyOf(blocks);
        this.levels = List.copyOf(levels);
        this.crossAttention = Collections.unmodifiableMap(new LinkedHashMap<>(crossAttention));
    }

    /** The block taps in official order (empty when only cross-attention was requested). */
    public List<Tensor> blocks() {
        return blocks;
    }

    /** Their names ({@link #NAMES} for SD v1.x). */
    public List<String> names() {
        return names;
    }

    /** The block tap called {@code name} ({@code in0}, {@code middle}, {@code out11}, ...). */
    public Tensor block(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no feature tap '" + name + "' (have " + names + ")");
        return blocks.get(i);
    }

    /** Block taps by resolution, coarsest group first ({@code low, mid, high, highest}), each in official concat order. */
    public Map<String, List<Tensor>> groups() {
        int maxLevel = levels.stream().mapToInt(Integer::intValue).max().orElse(-1);
        Map<String, List<Tensor>> out = new LinkedHashMap<>();
        for (int level = maxLevel; level >= 0; level--) {
            List<Tensor> g = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) if (levels.get(i) == level) g.add(blocks.get(i));
            if (!g.isEmpty()) out.put(groupName(level), List.copyOf(g));
        }
        return out;
    }

    /** The group name of a level: {@code highest, high, mid, low}, then {@code level4, ...} for deeper UNets. */
    public static String groupName(int level) {
        return level < GROUP_BY_LEVEL.length ? GROUP_BY_LEVEL[level] : "level" + level;
    }

    /** Cross-attention probabilities by module path of the {@code attn2} layer (empty when not requested). */
    public Map<String, Tensor> crossAttention() {
        return crossAttention;
    }
}
