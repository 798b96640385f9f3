package dev.groundiff.testing;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fixture READMEs' acceptance rule: per tensor, max|a - b| <= rel * max(1, max|reference|)
 * (rel = 1e-4 for the SD fixtures); integer tensors must match exactly; shapes always.
 */
public final class Parity {
    public static final double SD_REL = 1e-4;

    private Parity() {}

    public static double assertClose(String name, Tensor actual, Tensor expected) {
        return assertClose(name, actual, expected, SD_REL);
    }

    /** Returns the observed max|a - b| so callers can report it. */
    public static double assertClose(String name, Tensor actual, Tensor expected, double rel) {
        long[] as = Tensors.shape(actual), es = Tensors.shape(expected);
        if (!Arrays.equals(as, es)) fail(name + ": shape " + Arrays.toString(as) + " != expected " + Arrays.toString(es));
        boolean integral = !dev.groundiff.torch.DType.of(expected.scalar_type()).isFloatingPoint();
        if (integral) {
            assertArrayEquals(Tensors.toLongs(expected), Tensors.toLongs(actual), name + ": integer tensor differs");
            return 0;
        }
        Tensor a = actual.detach().to(ScalarType.Double);
        Tensor e = expected.detach().to(ScalarType.Double);
        double diff = as.length == 0 || a.numel() > 0 ? a.sub(e).abs().max().item_double() : 0;
        double peak = Tensors.maxAbs(e);
        double tol = rel * Math.max(1, peak);
        assertTrue(!Double.isNaN(diff) && diff <= tol,
                String.format("%s: max|a-b| = %.3g exceeds %.3g (rel %.0e, max|ref| = %.3g)", name, diff, tol, rel, peak));
        return diff;
    }
}
