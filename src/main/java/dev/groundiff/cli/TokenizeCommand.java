package dev.groundiff.cli;

import dev.groundiff.clip.ClipTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** {@code groundiff tokenize}: the 77 SD v1.x input ids of a prompt, as one JSON array on stdout. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the 77 CLIP input ids of a prompt (Stable Diffusion v1.x wrapping) as a JSON array.")
public final class TokenizeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--text", required = true, description = "the prompt")
    String text;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "a diffusers tokenizer/ folder (vocab.json, merges.txt); default: CLIP's standard vocabulary")
    Path tokenizerDir;

    @Override
    public Integer call() {
        ClipTokenizer tokenizer = tokenizerDir == null ? ClipTokenizer.standard() : ClipTokenizer.load(tokenizerDir);
        ClipTokenizer.Tokenized t = tokenizer.tokenize(text);
        if (t.truncated()) {
            String dropped = String.join(" ", t.tokens().subList(ClipTokenizer.MAX_LENGTH - 1, t.tokens().size() - 1));
            spec.commandLine().getErr().println("groundiff: warning: the prompt has " + (t.numTokensUntruncated() - 2)
                    + " tokens, CLIP takes " + (ClipTokenizer.MAX_LENGTH - 2) + "; dropped: " + dropped);
        }
        spec.commandLine().getOut().println(LongStream.of(t.ids()).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]")));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
