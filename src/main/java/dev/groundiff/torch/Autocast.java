package dev.groundiff.torch;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * CPU autocast for a block of code, as {@code torch.autocast("cpu", dtype=...)}: matrix products and
 * convolutions run in {@code dtype} (bfloat16 uses the CPU's AVX512-BF16 path through oneDNN) while
 * the weights, their gradients and the optimizer stay float32. Mixed-precision training uses it
 * around the forward pass only; {@code to(FLOAT32)} is a no-op so call sites need no branches.
 */
public final class Autocast implements AutoCloseable {
    private final boolean active;
    private final boolean wasEnabled;
    private final ScalarType previousType;

    private Autocast(ScalarType dtype) {
        active = dtype != null;
        if (active) {
            wasEnabled = torch.is_autocast_enabled(torch.DeviceType.CPU);
            previousType = torch.get_autocast_dtype(torch.DeviceType.CPU);
            torch.set_autocast_dtype(torch.DeviceType.CPU, dtype);
            torch.set_autocast_enabled(torch.DeviceType.CPU, true);
            torch.increment_nesting();
        } else {
            wasEnabled = false;
            previousType = null;
        }
    }

    /** Autocast to {@code dtype} until {@link #close()}; {@link DType#FLOAT32} changes nothing. */
    public static Autocast to(DType dtype) {
        return new Autocast(dtype == DType.FLOAT32 ? null : dtype.scalarType);
    }

    @Override
    public void close() {
        if (!active) return;
        // the cache of casted weights lives until the outermost block ends (as in PyTorch)
        if (torch.decrement_nesting() == 0) torch.clear_cache();
        torch.set_autocast_enabled(torch.DeviceType.CPU, wasEnabled);
        torch.set_autocast_dtype(torch.DeviceType.CPU, previousType);
    }
}
