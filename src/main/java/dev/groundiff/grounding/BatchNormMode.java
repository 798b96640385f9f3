package dev.groundiff.grounding;

/**
 * Which statistics the parameter-free batch norms of the mix-conv blocks normalise with.
 */
public enum BatchNormMode {
    /**
     * The statistics of the input itself, per image (mean and biased variance over H x W per channel:
     * an instance norm without affine). This is what the released official code computes everywhere,
     * because neither {@code train.py} nor the {@code test.py} demo ever calls {@code eval()}; with
     * batch size 1 (the only size the official code supports) batch and per-image statistics coincide.
     */
    BATCH,
    /** The stored running statistics ({@code stored_mean*}, {@code stored_var*}): PyTorch's eval mode. */
    RUNNING;

    /** {@code batch} or {@code running} (command-line spelling). */
    public static BatchNormMode parse(String s) {
        for (BatchNormMode m : values()) if (m.name().equalsIgnoreCase(s.trim())) return m;
        throw new dev.groundiff.GroundiffException("--batch-norm must be batch or running, got '" + s + "'");
    }
}
