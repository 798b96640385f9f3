package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.world.SceneSpec;
import dev.groundiff.world.SceneWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code groundiff world}: render, train or evaluate the embedded world. */
@Command(name = "world", mixinStandardHelpOptions = true,
        description = "Build, train or inspect the embedded world (rendered 64x64 scenes with exact masks).",
        subcommands = {WorldCommand.Render.class})
public final class WorldCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (render, train, eval-detector)");
    }

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Render scenes: NNNNNN.png, one mask PNG per object and scenes.json (captions, objects, boxes).")
    static final class Render implements Callable<Integer> {
        @Option(names = "--count", defaultValue = "16", description = "number of scenes (default ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--seed", defaultValue = "0", description = "seed of the first scene; scene i uses seed+i (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--size", defaultValue = "64", description = "image side in pixels (default ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--out", required = true, description = "output folder")
        Path out;

        @Override
        public Integer call() {
            if (count < 1) throw new GroundiffException("--count must be at least 1, got " + count);
            SceneSpec spec = SceneSpec.defaults().withSize(size);
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("render").setInitialMax(count).build()) {
                SceneWriter.renderAll(out, seed, count, spec, pb::step);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.println("wrote " + count + " scenes to " + out);
            return 0;
        }
    }
}
