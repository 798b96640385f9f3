package dev.groundiff.grounding;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The grounding-reference fixture folder: its index, configs, seed, and the README's acceptance rule. */
final class GroundingFixture {
    static final String FOLDER = "grounding-reference";
    /** README: per tensor max|a - b| <= 1e-4 * max|reference| (outputs, intermediates, state_after, gradients). */
    static final double REL = 1e-4;
    /** README: |g| <= 1e-6 for the biases whose true gradient is 0 in train mode. */
    static final double ZERO_GRAD_ABS = 1e-6;
    /** README: loss within 1e-5 relative. */
    static final double LOSS_REL = 1e-5;

    final Path dir;
    final JsonObject index;
    final long seed;

    GroundingFixture() {
        this.dir = Fixtures.dir(FOLDER);
        this.index = json("index.json");
        this.seed = index.get("seed").getAsLong();
    }

    JsonObject json(String name) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve(name))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ReferenceFormula formula() {
        return new ReferenceFormula(seed);
    }

    JsonObject model(String model) {
        return index.getAsJsonObject(model);
    }

    int modelChannels(String model) {
        return model(model).getAsJsonObject("config").get("model_channels").getAsInt();
    }

    /** The fixture model's configuration as a {@link GroundingConfig}. */
    GroundingConfig config(String model) {
        JsonObject c = model(model).getAsJsonObject("config");
        JsonArray fusion = c.getAsJsonArray("fusion");
        return GroundingConfig.forUnet(c.get("model_channels").getAsInt(),
                fusion.get(0).getAsInt(), fusion.get(1).getAsInt(), fusion.get(2).getAsInt(), fusion.get(3).getAsInt(),
                c.get("embedding_dim").getAsInt(), c.get("num_heads").getAsInt(), c.get("num_layers").getAsInt(),
                c.get("hidden_dim").getAsInt(), 768);
    }

    /** The state_dict shapes of a module of this config (built on the meta device: no memory). */
    static Map<String, long[]> shapes(GroundingConfig config) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : TorchOrder.stateDict(new GroundingModule(config, ParamFactory.meta())).entrySet()) {
            out.put(e.getKey(), Tensors.shape(e.getValue()));
        }
        return out;
    }

    /** A module of the fixture model holding the formula weights and buffers. */
    GroundingModule module(String model, BatchNormMode mode) {
        GroundingConfig config = config(model);
        GroundingModule m = new GroundingModule(config, ParamFactory.uninitialized(), mode);
        dev.groundiff.torch.nn.StateDict.load(m, formula().weights(shapes(config)), "formula weights");
        return m;
    }

    static long crc32(Tensor t) {
        CRC32 crc = new CRC32();
        crc.update(Tensors.toBytes(t.contiguous()));
        return crc.getValue();
    }

    /** The README rule; reshapes {@code actual} to the reference's shape when only the batch layout differs. Returns max|a-b| / max|ref|. */
    static double assertClose(String name, Tensor actual, Tensor expected) {
        long[] es = Tensors.shape(expected);
        assertEquals(ReferenceFormula.numel(es), actual.numel(), name + ": element count (shape " + Tensors.shapeString(actual) + " vs " + Tensors.shapeString(expected) + ")");
        Tensor a = actual.detach().reshape(es).to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
        Tensor e = expected.detach().to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
        double diff = a.sub(e).abs().max().item_double();
        double peak = Tensors.maxAbs(e);
        if (Double.isNaN(diff)) fail(name + ": NaN");
        assertTrue(diff <= REL * peak, String.format("%s: max|a-b| = %.3g exceeds %.0e x max|ref| = %.3g", name, diff, REL, REL * peak));
        return peak == 0 ? 0 : diff / peak;
    }
}
