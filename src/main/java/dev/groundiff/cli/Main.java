package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code groundiff <verb>}: one command class per verb; this class only dispatches and reports errors. */
@Command(name = "groundiff", mixinStandardHelpOptions = true, versionProvider = CodeVersion.Provider.class,
        description = "Images with pixel-exact masks for the objects named in the prompt (Grounded Diffusion in Java).",
        subcommands = {
                CommandLine.HelpCommand.class,
                GenerateCommand.class,
                TokenizeCommand.class,
                InspectCommand.class,
                ConvertCommand.class,
                DatasetCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                AverageCommand.class,
                ExportCommand.class,
                WorldCommand.class,
                DetectCommand.class,
                BenchCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a verb is required");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            if (ex instanceof GroundiffException) {
                line.getErr().println("groundiff: error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
