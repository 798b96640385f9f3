package dev.groundiff.bench;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one case in a fresh JVM (same java binary, JVM flags and class path as this one) so that its
 * peak memory is its own. The child's stderr passes through; its stdout carries the result line.
 */
final class ChildJvm {
    private ChildJvm() {}

    static List<String> command(BenchCase benchCase, DType dtype, int repeat, int latentSize, Path configDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String a : jvmArgs) {
            // a debugger agent would try to bind the parent's port a second time
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) cmd.add(a);
        }
        // the BLAS choice, also when it was set in code rather than on the command line (see Torch.init)
        String blas = System.getProperty(Torch.BLAS_PROPERTY);
        if (blas != null && jvmArgs.stream().noneMatch(a -> a.startsWith("-D" + Torch.BLAS_PROPERTY + "="))) cmd.add("-D" + Torch.BLAS_PROPERTY + "=" + blas);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CaseRunner.class.getName());
        cmd.add(benchCase.cliName);
        cmd.add(dtype.torchName);
        cmd.add(String.valueOf(repeat));
        cmd.add(String.valueOf(latentSize));
        if (configDir != null) cmd.add(configDir.toAbsolutePath().toString());
        return cmd;
    }

    static CaseResult run(BenchCase benchCase, DType dtype, int repeat, int latentSize, Path configDir) {
        List<String> cmd = command(benchCase, dtype, repeat, latentSize, configDir);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new GroundiffException("cannot start the benchmark JVM " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        // a parent stopped with Ctrl-C or kill takes its running case down with it
        Thread reaper = new Thread(p::destroyForcibly, "bench-child-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        CaseResult result = null;
        List<String> other = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith(CaseRunner.RESULT_PREFIX)) result = CaseResult.fromJsonLine(line.substring(CaseRunner.RESULT_PREFIX.length()));
                else other.add(line);
            }
            int rc = p.waitFor();
            if (rc != 0 || result == null) {
                throw new GroundiffException("benchmark case " + benchCase.cliName + " (" + dtype.torchName + ") failed in its JVM (exit "
                        + rc + ")" + (other.isEmpty() ? "" : ": " + String.join(" | ", other)));
            }
            return result;
        } catch (IOException e) {
            throw new GroundiffException("reading the benchmark JVM's output failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new GroundiffException("interrupted while case " + benchCase.cliName + " ran");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
