package dev.groundiff.diffusion;

import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.testing.Parity;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The sd-reference fixture folder, and a per-file record of the differences a test measured. */
public final class SdReference {
    public static final String FOLDER = "sd-reference";

    private SdReference() {}

    public static Path dir() {
        return Fixtures.dir(FOLDER);
    }

    public static Map<String, Tensor> fixture(String name) {
        return SafeTensors.load(dir().resolve("fixtures").resolve(name + ".safetensors"));
    }

    /** Compares tensors with {@link Parity#assertClose} and keeps the worst absolute and relative differences for a summary line. */
    public static final class DiffLog {
        private final String label;
        private final Map<String, double[]> diffs = new TreeMap<>();

        public DiffLog(String label) {
            this.label = label;
        }

        public double check(String name, Tensor actual, Tensor expected) {
            double d = Parity.assertClose(name, actual, expected);
            double peak = dev.groundiff.torch.Tensors.maxAbs(expected);
            diffs.put(name, new double[] {d, d / Math.max(1, peak)});
            return d;
        }

        public int count() {
            return diffs.size();
        }

        /** One line: tensor count, worst max|a-b| and worst max|a-b| / max(1, max|ref|), with their tensors. */
        public String summary() {
            String worstAbs = null, worstRel = null;
            double abs = 0, rel = 0;
            for (Map.Entry<String, double[]> e : diffs.entrySet()) {
                if (worstAbs == null || e.getValue()[0] > abs) { abs = e.getValue()[0]; worstAbs = e.getKey(); }
                if (worstRel == null || e.getValue()[1] > rel) { rel = e.getValue()[1]; worstRel = e.getKey(); }
            }
            return String.format("[parity] %s: %d tensors, max|a-b| %.3g (%s), max rel %.3g (%s)", label, diffs.size(), abs, worstAbs, rel, worstRel);
        }
    }
}
