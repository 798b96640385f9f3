package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.unet.FeatureTaps;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * UNet feature taps as a dataset stores them: one tensor per tap name ({@link FeatureTaps#NAMES}),
 * {@code [2, C, H, W]} = (unconditional, conditional) of one image, and back to the grounding module's
 * groups. A tap's group follows from its size relative to the largest tap (the latent), exactly as
 * {@link FeatureTaps#groups()} sorts them; within a group the official order is the name order.
 */
public final class StoredFeatures {
    private StoredFeatures() {}

    /** Image {@code image}'s taps out of a CFG batch of {@code batch} images ([uncond..., cond...]). */
    public static Map<String, Tensor> fromTaps(FeatureTaps taps, int image, int batch) {
        if (taps == null || taps.blocks().isEmpty()) throw new GroundiffException("no UNet block taps to store");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < taps.names().size(); i++) {
            Tensor t = taps.blocks().get(i);
            if (t.size(0) != 2L * batch) throw new GroundiffException("feature taps need classifier-free guidance (guidance > 1): tap " + taps.names().get(i) + " has batch " + t.size(0));
            Tensor pair = batch == 1 ? t : torch.cat(new TensorVector(t.narrow(0, image, 1), t.narrow(0, batch + image, 1)), 0);
            out.put(taps.names().get(i), pair);
        }
        return out;
    }

    /** Groups ({@code low, mid, high, highest}) of stored taps, each tap cast to {@code type}. */
    public static Map<String, List<Tensor>> groups(Map<String, Tensor> stored, ScalarType type, String where) {
        if (stored.isEmpty()) throw new GroundiffException(where + ": no stored features");
        List<String> order = Arrays.asList(FeatureTaps.NAMES);
        TreeMap<Integer, String> byPosition = new TreeMap<>();
        for (String name : stored.keySet()) {
            int p = order.indexOf(name);
            if (p < 0) throw new GroundiffException(where + ": unknown feature tap '" + name + "' (expected " + String.join(", ", order) + ")");
            byPosition.put(p, name);
        }
        long maxSide = 0;
        for (Tensor t : stored.values()) {
            long[] s = Tensors.shape(t);
            if (s.length != 4 || s[0] != 2) throw new GroundiffException(where + ": a stored feature tap has shape " + Arrays.toString(s) + ", expected [2, C, H, W]");
            maxSide = Math.max(maxSide, s[2]);
        }
        Map<Integer, List<Tensor>> byLevel = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (String name : byPosition.values()) {
            Tensor t = stored.get(name);
            long side = t.size(2);
            int level = Long.numberOfTrailingZeros(maxSide / side);
            if (side << level != maxSide) throw new GroundiffException(where + ": tap " + name + " (" + side + " px) is not the latent size halved a whole number of times");
            byLevel.computeIfAbsent(level, k -> new ArrayList<>()).add(t.to(type));
        }
        Map<String, List<Tensor>> out = new LinkedHashMap<>();
        byLevel.forEach((level, list) -> out.put(FeatureTaps.groupName(level), List.copyOf(list)));
        return out;
    }
}
