package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.io.TorchCheckpoint;
import dev.groundiff.torch.Torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff convert IN OUT.safetensors}: a pickled checkpoint's state dict as safetensors, written atomically. */
@Command(name = "convert", description = "Write the tensors of a .ckpt/.pt/.pth checkpoint (its state_dict for CompVis files) as a .safetensors file.")
public final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = ".ckpt, .pt, .pth or .safetensors file")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "output .safetensors file")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Torch.init();
        if (!out.getFileName().toString().endsWith(".safetensors")) throw new GroundiffException(out + ": the output must be a .safetensors file");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) throw new GroundiffException(out + ": output would overwrite the input");
        int n;
        if (SafeTensors.looksLike(in)) {
            Map<String, org.bytedeco.pytorch.Tensor> all = SafeTensors.load(in);
            write(all);
            n = all.size();
        } else {
            try (TorchCheckpoint ck = TorchCheckpoint.open(in)) {
                Map<String, org.bytedeco.pytorch.Tensor> sd = ck.stateDict(); // views of the open file: no full copy
                write(sd);
                n = sd.size();
            }
        }
        spec.commandLine().getOut().println("wrote " + n + " tensors to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private void write(Map<String, org.bytedeco.pytorch.Tensor> tensors) {
        try {
            SafeTensors.write(out, tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new GroundiffException(out + ": cannot write: " + e.getMessage(), e);
        }
    }
}
