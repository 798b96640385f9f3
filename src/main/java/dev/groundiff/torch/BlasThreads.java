package dev.groundiff.torch;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.openblas.global.openblas_full.openblas_dojob_callback;
import org.bytedeco.openblas.global.openblas_full.openblas_threads_callback;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets libtorch's float32 matrix products (OpenBLAS) use every thread, without OpenBLAS's own pool.
 *
 * <p>OpenBLAS's pthread pool spin-waits between calls, as libtorch's OpenMP pool does, and on a small
 * machine the two fight for the cores (measured: several times slower), so OpenBLAS used to run on one
 * thread. OpenBLAS 0.3.27+ can instead hand its parallel jobs to the caller ("caller-managed
 * threading"): this class runs them on parked Java threads, the calling thread taking the first job.
 * Inside a libtorch parallel region the jobs run one after the other on the calling thread, whose
 * siblings already use the other cores. (OpenBLAS blocks a split product's sums differently, so float32
 * results differ from one thread's in the last bits, as they do between thread counts in libtorch.)
 *
 * <p>Two JavaCPP details are handled here, each checked against {@code /proc/self/maps} so that a change
 * costs speed, never a crash: the bytedeco preset maps the callback types but not
 * {@code openblas_set_threads_callback_function} (which only assigns the global
 * {@code openblas_threads_callback_}, so this class assigns it), and the job function OpenBLAS passes in
 * reaches Java one indirection deeper than JavaCPP's call expects.
 */
final class BlasThreads {
    private static final String CALLBACK_GLOBAL = "openblas_threads_callback_";
    /** Kept reachable for the life of the process: OpenBLAS holds its native address. */
    private static Callback installed;
    private static Pointer global;

    private BlasThreads() {}

    /**
     * Gives OpenBLAS {@code threads} threads: a pool of {@code threads - 1} Java threads plus the caller.
     * Returns false, leaving OpenBLAS on one thread, where caller-managed threading is not available.
     */
    static synchronized boolean install(int threads) {
        if (threads < 2) {
            openblas_full.openblas_set_num_threads(1);
            return true;
        }
        if (installed == null) {
            global = Loader.addressof(CALLBACK_GLOBAL);
            if (global == null || global.isNull()) return single();
            Callback c = new Callback(threads - 1);
            // JavaCPP's callback object starts with the C function pointer OpenBLAS must call.
            Pointer function = new PointerPointer<>(c).get(0);
            if (function == null || !isCode(function.address())) return single();
            installed = c;
            new PointerPointer<>(global).put(0, function);
        }
        openblas_full.openblas_set_num_threads(threads);
        if (!installed.selfTest()) {
            new PointerPointer<>(global).put(0, (Pointer) null);
            return single();
        }
        return true;
    }

    /** How many parallel OpenBLAS calls the pool has run (for tests). */
    static long parallelCalls() {
        return installed == null ? 0 : installed.calls.get();
    }

    private static boolean single() {
        openblas_full.openblas_set_num_threads(1);
        return false;
    }

    /** Whether {@code address} lies in an executable mapping of this process. */
    static boolean isCode(long address) {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.anyMatch(l -> {
                String[] f = l.split(" ");
                String[] range = f[0].split("-");
                long lo = Long.parseUnsignedLong(range[0], 16), hi = Long.parseUnsignedLong(range[1], 16);
                return Long.compareUnsigned(address, lo) >= 0 && Long.compareUnsigned(address, hi) < 0 && f[1].indexOf('x') >= 0;
            });
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static final class Callback extends openblas_threads_callback {
        private final ExecutorService workers;
        final AtomicLong calls = new AtomicLong();
        /** The last job function seen, and a JavaCPP wrapper that calls it. */
        private volatile long jobFunction;
        private volatile openblas_dojob_callback job;
        private volatile boolean unresolved;

        Callback(int workerThreads) {
            workers = Executors.newFixedThreadPool(workerThreads, r -> {
                Thread t = new Thread(r, "openblas-worker");
                t.setDaemon(true);
                return t;
            });
        }

        /** A float32 product big enough for OpenBLAS to split: were its jobs run? */
        boolean selfTest() {
            long before = calls.get();
            try (var scope = new org.bytedeco.javacpp.PointerScope(); var g = new org.bytedeco.pytorch.NoGradGuard()) {
                org.bytedeco.pytorch.Tensor a = org.bytedeco.pytorch.global.torch.ones(256, 256);
                double v = a.mm(a).sum().item_double();
                return !unresolved && calls.get() > before && v == 256.0 * 256 * 256;
            }
        }

        @Override
        public void call(int sync, openblas_dojob_callback dojob, int jobs, long jobSize, Pointer jobData, int dojobData) {
            openblas_dojob_callback fn = resolve(dojob);
            if (fn == null) return; // unresolved: the self-test sees it and uninstalls the pool
            calls.incrementAndGet();
            if (jobs == 1 || org.bytedeco.pytorch.global.torch.in_parallel_region()) {
                for (int i = 0; i < jobs; i++) fn.call(i, job(jobData, jobSize, i), dojobData);
                return;
            }
            Future<?>[] pending = new Future<?>[jobs];
            for (int i = 1; i < jobs; i++) {
                int k = i;
                pending[i] = workers.submit(() -> fn.call(k, job(jobData, jobSize, k), dojobData));
            }
            fn.call(0, job(jobData, jobSize, 0), dojobData);
            for (int i = 1; i < jobs; i++) {
                try {
                    pending[i].get();
                } catch (Exception e) {
                    throw new IllegalStateException("an OpenBLAS job failed", e);
                }
            }
        }

        /**
         * JavaCPP hands the function pointer over as the address of the argument, not its value; its own
         * {@code call} would jump to the stack. Read the value and wrap it the way {@code call} expects.
         */
        private openblas_dojob_callback resolve(openblas_dojob_callback dojob) {
            long slot = new PointerPointer<>(dojob).get(0).address();
            if (slot == 0) return fail();
            long value = new PointerPointer<>(new Pointer() { { address = slot; } }).get(0).address();
            if (value == jobFunction && job != null) return job;
            if (!isCode(value)) return fail();
            LongPointer box = new LongPointer(1);
            box.retainReference(); // outlives any PointerScope of the calling thread: it is reused by later calls
            box.put(0, value);
            job = new openblas_dojob_callback(box);
            jobFunction = value;
            return job;
        }

        private openblas_dojob_callback fail() {
            unresolved = true;
            return null;
        }

        private static Pointer job(Pointer data, long size, int i) {
            return new org.bytedeco.javacpp.BytePointer(data).position(i * size);
        }
    }
}
