package dev.groundiff.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BlasThreadsTest {
    @Test
    void floatProductsRunOnTwoThreadsAndGiveTheSameProduct() {
        Torch.init();
        int before = torch.get_num_threads(); // the suite runs on one thread (pom.xml)
        int threads = 2;
        assertTrue(BlasThreads.install(threads), "caller-managed threading is available in the bundled OpenBLAS");
        assertEquals(threads, openblas_full.openblas_get_num_threads());
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(3);
            Tensor a = torch.randn(300, 500), b = torch.randn(500, 400);
            long calls = BlasThreads.parallelCalls();
            float[] pooled = Tensors.toFloats(a.mm(b));
            assertTrue(BlasThreads.parallelCalls() > calls, "the product went through the Java pool");
            float[] single;
            openblas_full.openblas_set_num_threads(1);
            try {
                single = Tensors.toFloats(a.mm(b));
            } finally {
                openblas_full.openblas_set_num_threads(threads);
            }
            // Every job was run: both agree with the product in double precision up to float rounding
            // (not bit for bit: OpenBLAS blocks the sums differently when it splits the work).
            float[] exact = Tensors.toFloats(a.to(torch.ScalarType.Double).mm(b.to(torch.ScalarType.Double)).to(torch.ScalarType.Float));
            for (int i = 0; i < exact.length; i++) {
                float tol = 2e-4f; // entries are sums of 500 products of N(0, 1) numbers: about N(0, 22^2)
                assertEquals(exact[i], single[i], tol, "one thread, element " + i);
                assertEquals(exact[i], pooled[i], tol, "two threads, element " + i);
            }
        } finally {
            BlasThreads.install(before);
        }
    }
}
