package dev.groundiff.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.bytedeco.pytorch.NoGradGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

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
    private static final Logger LOG = LoggerFactory.getLogger(Torch.class);
    /** The OpenBLAS preset's choice of library: "mkl_rt" (set by {@link #init()} unless given) or "openblas". */
    public static final String BLAS_PROPERTY = "org.bytedeco.openblas.load";
    /** {@code openblas_nolapack.blas_get_vendor()} codes. */
    private static final int OPENBLAS = 2, MKL = 3;
    private static volatile boolean loaded;

    private Torch() {}

    public static synchronized void init() {
        if (loaded) return;
        // libtorch's float32 matrix products (Linear, bmm) go to the BLAS it links, OpenBLAS. Its own pool of
        // spinning pthreads fights libtorch's OpenMP threads on a small machine, so it had to run one thread.
        // The OpenBLAS preset can load MKL in its place (same symbols): MKL threads through GNU OpenMP, the
        // pool libtorch already uses (MKL_THREADING_LAYER=GNU, set by the launcher and the build), so matrix
        // products get libtorch's thread count without the fight. -Dorg.bytedeco.openblas.load=openblas selects
        // OpenBLAS.
        if (System.getProperty(BLAS_PROPERTY) == null) System.setProperty(BLAS_PROPERTY, "mkl_rt");
        boolean wantsMkl = System.getProperty(BLAS_PROPERTY).toLowerCase(Locale.ROOT).startsWith("mkl");
        String platform = Loader.getPlatform();
        // JVMs starting together race on the cache's libopenblas.so.0 link, which the preset re-points at the
        // BLAS it loads: one of them could find it missing and fall back to OpenBLAS (seen with 6 at once). A
        // lock file in the cache makes extraction and loading one process at a time.
        try (FileChannel channel = FileChannel.open(Loader.getCacheDir().toPath().resolve(".groundiff-load.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            Loader.cacheResources("/org/bytedeco/pytorch/" + platform + "/");
            Loader.cacheResources("/org/bytedeco/openblas/" + platform + "/");
            if (wantsMkl) Loader.cacheResources("/org/bytedeco/mkl/" + platform + "/");
            Loader.load(org.bytedeco.pytorch.global.torch.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot extract the libtorch native libraries: " + e.getMessage(), e);
        }
        String threads = System.getenv("GROUNDIFF_THREADS");
        if (threads != null && !threads.isBlank()) {
            org.bytedeco.pytorch.global.torch.set_num_threads(Integer.parseInt(threads.trim()));
        }
        loaded = true;
        // the preset falls back to OpenBLAS silently when MKL cannot load: threads follow what did load. Its
        // vendor reads as unknown until the first blas_set_num_threads, so that call comes first.
        openblas_nolapack.blas_set_num_threads(1);
        boolean mkl = openblas_nolapack.blas_get_vendor() == MKL;
        if (mkl) {
            openblas_nolapack.blas_set_num_threads(org.bytedeco.pytorch.global.torch.get_num_threads());
            if (System.getenv("MKL_THREADING_LAYER") == null) {
                LOG.warn("MKL_THREADING_LAYER is not set: MKL runs Intel's OpenMP beside libtorch's GNU one (slower); "
                        + "export MKL_THREADING_LAYER=GNU as the groundiff launcher does");
            }
        } else if (wantsMkl) {
            LOG.warn("{}={} but MKL did not load (is org.bytedeco:mkl:*-redist on the class path?): float32 matrix products "
                    + "run on one OpenBLAS thread", BLAS_PROPERTY, System.getProperty(BLAS_PROPERTY));
        }
    }

    /**
     * Sets libtorch's intra-op thread count, and MKL's with it (OpenBLAS stays at one thread: its own pool
     * would fight libtorch's).
     */
    public static synchronized void setThreads(int n) {
        init();
        org.bytedeco.pytorch.global.torch.set_num_threads(n);
        if (openblas_nolapack.blas_get_vendor() == MKL) openblas_nolapack.blas_set_num_threads(n);
    }

    /**
     * The BLAS this process configured for libtorch's float32 matrix products, e.g. "MKL, 2 thread(s), GNU
     * threading layer" (the preset's record of what it loaded and set; the layer is MKL_THREADING_LAYER's value).
     */
    public static String blas() {
        init();
        int vendor = openblas_nolapack.blas_get_vendor();
        String name = switch (vendor) {
            case MKL -> "MKL";
            case OPENBLAS -> "OpenBLAS";
            default -> "BLAS vendor " + vendor;
        };
        String layer = vendor == MKL ? ", " + System.getenv().getOrDefault("MKL_THREADING_LAYER", "INTEL") + " threading layer" : "";
        return name + ", " + openblas_nolapack.blas_get_num_threads() + " thread(s)" + layer;
    }

    /** Disables autograd until closed: {@code try (var g = Torch.noGrad()) {...}}. */
    public static NoGradGuard noGrad() {
        init();
        return new NoGradGuard();
    }
}
