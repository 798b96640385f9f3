package dev.groundiff.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetStats;
import dev.groundiff.io.CheckpointTree;
import dev.groundiff.io.DiffusersFolder;
import dev.groundiff.io.ModelSource;
import dev.groundiff.io.Opaque;
import dev.groundiff.io.PickleGlobal;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.io.TorchCheckpoint;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff inspect FILE [--json]}: the tensors of a weights file or diffusers folder, read without executing anything. */
@Command(name = "inspect", description = {"List the tensors (path, dtype, shape) of a .safetensors, .ckpt, .pt, .pth file or a diffusers folder.",
        "Given a dataset folder (from 'groundiff dataset'), print its labels per category instead: prompts, masks found, median mask area."})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "weights file or diffusers folder")
    Path file;

    @Option(names = "--json", description = "one JSON object: tensor path -> {dtype, shape, stride, offset, sum}; other values under \"__other__\"")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final JsonObject out = new JsonObject();
    private final JsonObject other = new JsonObject();

    @Override
    public Integer call() {
        Torch.init();
        if (!Files.exists(file)) throw new GroundiffException(file + ": no such file or folder");
        if (Files.isRegularFile(file.resolve("dataset.json"))) {
            // a dataset built by `groundiff dataset`: its labels per category, not tensors
            PrintWriter w = spec.commandLine().getOut();
            w.print(DatasetStats.markdown(DatasetStats.of(DatasetReader.open(file).records())));
            w.flush();
            return 0;
        }
        if (Files.isDirectory(file)) {
            DiffusersFolder folder = DiffusersFolder.open(file);
            for (String part : ModelSource.WEIGHT_PARTS) {
                if (Files.isDirectory(file.resolve(part))) inspectFile(folder.weightFile(part), "/" + part);
            }
        } else {
            inspectFile(file, "");
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            if (other.size() > 0) out.add("__other__", other);
            w.println(new GsonBuilder().disableHtmlEscaping().create().toJson(out));
        } else {
            int tensors = out.size();
            w.println(tensors + " tensors");
        }
        w.flush();
        return 0;
    }

    private void inspectFile(Path f, String prefix) {
        if (SafeTensors.looksLike(f)) {
            try (SafeTensors st = SafeTensors.open(f)) {
                for (String k : st.entries().keySet()) tensor(prefix + "/" + k, st.get(k));
            }
        } else {
            try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
                for (Map.Entry<String, Tensor> e : ck.tensors().entrySet()) tensor(prefix + e.getKey(), e.getValue());
                for (Map.Entry<String, Object> e : ck.otherLeaves().entrySet()) other.add(prefix + e.getKey(), value(e.getValue()));
            }
        }
    }

    private void tensor(String path, Tensor t) {
        String dtype = DType.of(t.scalar_type()).torchName;
        long[] shape = Tensors.shape(t);
        double sum;
        try (PointerScope scope = new PointerScope()) {
            sum = t.numel() == 0 ? 0 : t.to(ScalarType.Double).sum().item_double();
        }
        if (!json) {
            spec.commandLine().getOut().println(path + "  " + dtype + "  " + Arrays.toString(shape));
        }
        JsonObject o = new JsonObject();
        o.addProperty("dtype", dtype);
        o.add("shape", longs(shape));
        o.add("stride", longs(Tensors.strides(t)));
        o.addProperty("offset", t.storage_offset());
        o.add("sum", Double.isFinite(sum) ? new JsonPrimitive(sum) : new JsonPrimitive(Double.toString(sum)));
        out.add(path, o);
    }

    private static JsonArray longs(long[] v) {
        JsonArray a = new JsonArray();
        for (long x : v) a.add(x);
        return a;
    }

    /** A non-tensor leaf as JSON: plain values as themselves, placeholders described by their global. */
    private static JsonElement value(Object v) {
        if (v == null) return JsonNull.INSTANCE;
        if (v instanceof Boolean b) return new JsonPrimitive(b);
        if (v instanceof Long || v instanceof BigInteger) return new JsonPrimitive((Number) v);
        if (v instanceof Double d) return Double.isFinite(d) ? new JsonPrimitive(d) : new JsonPrimitive(d.toString());
        if (v instanceof String s) return new JsonPrimitive(s);
        if (v instanceof Map<?, ?> m && m.isEmpty()) return new JsonObject();
        if (v instanceof List<?> l && l.isEmpty()) return new JsonArray();
        if (v instanceof Opaque o) return new JsonPrimitive("<object " + (o.global() == null ? "?" : o.global().qualifiedName()) + ">");
        if (v instanceof PickleGlobal g) return new JsonPrimitive("<global " + g.qualifiedName() + ">");
        if (v instanceof byte[] b) return new JsonPrimitive("<" + b.length + " bytes>");
        if (v instanceof Collection<?> c) return new JsonPrimitive("<" + CheckpointTree.typeName(v) + " of " + c.size() + ">");
        return new JsonPrimitive(v.toString());
    }
}
