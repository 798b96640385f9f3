package dev.groundiff.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.presets.openblas_nolapack;
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
    private static final String BLAS_PROPERTY = "org.bytedeco.openblas.load";
    private static volatile boolean loaded;

    private Torch() {}

    public static synchronized void init() {
        if (loaded) return;
        // libtorch's float32 matrix products (Linear, bmm) go to the BLAS it links, OpenBLAS. Its own pool of
        // spinning pthreads fights libtorch's OpenMP threads on a small machine, so it had to run one thread.
        // The OpenBLAS preset can load MKL in its place (same symbols): MKL threads through GNU OpenMP, the
        // pool libtorch already uses (MKL_THREADING_LAYER=GNU, set by the launcher and the build), so matrix
        // products get every core without the fight. -Dorg.bytedeco.openblas.load=openblas selects OpenBLAS.
        if (System.getProperty(BLAS_PROPERTY) == null) System.setProperty(BLAS_PROPERTY, "mkl_rt");
        String platform = Loader.getPlatform();
        try {
            Loader.cacheResources("/org/bytedeco/pytorch/" + platform + "/");
            Loader.cacheResources("/org/bytedeco/openblas/" + platform + "/");
            if (usesMkl()) Loader.cacheResources("/org/bytedeco/mkl/" + platform + "/");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot extract the libtorch native libraries: " + e.getMessage(), e);
        }
        Loader.load(org.bytedeco.pytorch.global.torch.class);
        String threads = System.getenv("GROUNDIFF_THREADS");
        if (threads != null && !threads.isBlank()) {
            org.bytedeco.pytorch.global.torch.set_num_threads(Integer.parseInt(threads.trim()));
        }
        // MKL: as many threads as libtorch. OpenBLAS: one (see above).
        openblas_nolapack.blas_set_num_threads(usesMkl() ? org.bytedeco.pytorch.global.torch.get_num_threads() : 1);
        loaded = true;
    }

    /** The BLAS libtorch's float32 matrix products run on, e.g. "MKL, 2 thread(s), GNU threading layer". */
    public static String blas() {
        init();
        int vendor = openblas_nolapack.blas_get_vendor();
        String name = switch (vendor) {
            case 3 -> "MKL";
            case 2 -> "OpenBLAS";
            default -> "BLAS vendor " + vendor;
        };
        String layer = vendor == 3 ? ", " + System.getenv().getOrDefault("MKL_THREADING_LAYER", "INTEL") + " threading layer" : "";
        return name + ", " + openblas_nolapack.blas_get_num_threads() + " thread(s)" + layer;
    }

    private static boolean usesMkl() {
        return System.getProperty(BLAS_PROPERTY, "").startsWith("mkl");
    }

    /** Disables autograd until closed: {@code try (var g = Torch.noGrad()) {...}}. */
    public static NoGradGuard noGrad() {
        init();
        return new NoGradGuard();
    }
}
