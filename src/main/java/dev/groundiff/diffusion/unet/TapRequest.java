package dev.groundiff.diffusion.unet;

/** Which feature taps a UNet call returns besides its output. */
public final class TapRequest {
    /** Nothing: the fastest call ({@code UNetOutput.taps()} is null). */
    public static final TapRequest NONE = new TapRequest(false, false);
    private static final TapRequest BLOCKS = new TapRequest(true, false);
    private static final TapRequest CROSS_ATTENTION = new TapRequest(false, true);
    private static final TapRequest ALL = new TapRequest(true, true);

    private final boolean blocks;
    private final boolean crossAttention;

    private TapRequest(boolean blocks, boolean crossAttention) {
        this.blocks = blocks;
        this.crossAttention = crossAttention;
    }

    /** The 25 block outputs (Grounded Diffusion's visual features). */
    public static TapRequest blocks() {
        return BLOCKS;
    }

    /** Every cross-attention layer's softmax probabilities (what DAAM aggregates); switches those layers to explicit attention. */
    public static TapRequest crossAttention() {
        return CROSS_ATTENTION;
    }

    public static TapRequest all() {
        return ALL;
    }

    public static TapRequest of(boolean blocks, boolean crossAttention) {
        return blocks ? (crossAttention ? ALL : BLOCKS) : (crossAttention ? CROSS_ATTENTION : NONE);
    }

    public boolean wantsBlocks() {
        return blocks;
    }

    public boolean wantsCrossAttention() {
        return crossAttention;
    }

    public boolean isNone() {
        return !blocks && !crossAttention;
    }

    @Override
    public String toString() {
        return "TapRequest[blocks=" + blocks + ", crossAttention=" + crossAttention + "]";
    }
}
