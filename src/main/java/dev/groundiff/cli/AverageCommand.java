package dev.groundiff.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.eval.SplitAverage;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code groundiff average EVAL...}: Table 1 averaged over the splits, from the folders {@code eval} wrote. */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = {"Average the Table 1 columns of several evaluations (one per class split, as the paper's 'average' rows).",
                "Prints the table; with --out also writes average.md, average.json and metadata.json."})
public final class AverageCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "EVAL", description = "folders written by 'groundiff eval' (or their results.json)")
    List<Path> evaluations;

    @Option(names = "--out", paramLabel = "DIR", description = "also write the table here")
    Path out;

    @Override
    public Integer call() throws IOException {
        List<JsonObject> results = new ArrayList<>();
        for (Path p : evaluations) results.add(SplitAverage.read(p));
        SplitAverage.Table t = SplitAverage.of(results);
        String md = SplitAverage.markdown(t);
        spec.commandLine().getOut().print(md);
        if (out != null) {
            List<String> sources = evaluations.stream().map(Path::toString).toList();
            AtomicFiles.writeString(out.resolve("average.md"), "# Table 1, averaged over " + t.evaluations() + " evaluations\n\n"
                    + "Sources: " + String.join(", ", sources) + "\n\nmIoU (%), each column the mean of the evaluations' mIoU.\n\n" + md);
            AtomicFiles.writeString(out.resolve("average.json"), new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(SplitAverage.json(t, sources)) + "\n");
            JsonObject meta = new JsonObject();
            meta.addProperty("command", "average");
            JsonArray src = new JsonArray();
            for (int i = 0; i < results.size(); i++) {
                JsonObject s = new JsonObject();
                s.addProperty("path", sources.get(i));
                s.add("settings", results.get(i).get("settings"));
                src.add(s);
            }
            meta.add("sources", src);
            Provenance.write(out.resolve("metadata.json"), meta, CodeVersion.describe());
            spec.commandLine().getOut().println("wrote average.md, average.json and metadata.json to " + out);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
