package dev.groundiff.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * The one place that loads libtorch. Call {@link #init()} before the first use of any
 * {@code org.bytedeco.pytorch} class.
 *
 * <p>Why pre-extracting matters: on a fresh JavaCPP cache, JavaCPP unpacks and dlopens
 * {@code libtorch.so} before {@code libtorch_cpu.so} is on disk, so the dynamic linker can pick up
 * a system-wide libtorch (Debian ships 1.13) and the process crashes. Extracting the whole platform
 * folder first makes every dependency resolve from {@code $ORIGIN}.
 */
public final class Torch {
    private static volatile boolean loaded;

    private Torch() {}

    public static synchronized void init() {
        if (loaded) return;
        try {
            Loader.cacheResources("/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
            Loader.cacheResources("/org/bytedeco/openblas/" + Loader.getPlatform() + "/");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot extract the libtorch native libraries: " + e.getMessage(), e);
        }
        Loader.load(org.bytedeco.pytorch.global.torch.class);
        // libtorch's float32 GEMMs go to OpenBLAS, whose own pthread pool is not libtorch's OpenMP pool: both
        // spin-wait, so on a small machine they fight for the cores (measured: a float32 cross-attention 16x
        // slower, a whole SD UNet step several times slower). One BLAS thread, called from libtorch's threads.
        org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1);
        String threads = System.getenv("GROUNDIFF_THREADS");
        if (threads != null && !threads.isBlank()) {
            org.bytedeco.pytorch.global.torch.set_num_threads(Integer.parseInt(threads.trim()));
        }
        loaded = true;
    }

    /** Disables autograd until closed: {@code try (var g = Torch.noGrad()) {...}}. */
    public static NoGradGuard noGrad() {
        init();
        return new NoGradGuard();
    }
}
