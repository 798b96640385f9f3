package dev.groundiff.torch;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Torch.init loads MKL as the BLAS and gives it libtorch's thread count. Surefire runs libtorch on one
 * thread, which cannot tell "MKL at 2 threads" from "MKL left at 1", so this starts a JVM with two.
 */
class TorchBlasTest {
    /** Prints {@link Torch#blas()} (the child JVM's main). */
    public static void main(String[] args) {
        System.out.println("blas=" + Torch.blas());
    }

    @Test
    void mklRunsOnLibtorchsThreadsInAFreshJvm() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", cp, TorchBlasTest.class.getName()))
                .redirectErrorStream(true);
        pb.environment().put("GROUNDIFF_THREADS", "2");
        pb.environment().put("MKL_THREADING_LAYER", "GNU");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("blas=MKL, 2 thread(s), GNU threading layer")), out);
        assertTrue(out.lines().noneMatch(l -> l.contains("WARN dev.groundiff")), "Torch.init warned: " + out);
    }
}
