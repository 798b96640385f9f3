package dev.groundiff.torch.nn;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A module's parameters and buffers by PyTorch-style dotted name, and strict loading into them. */
public final class StateDict {
    private StateDict() {}

    /** Parameters then buffers, in registration order. The tensors share storage with the module's (not copies). */
    public static Map<String, Tensor> of(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, m.named_parameters(true));
        put(out, m.named_buffers(true));
        return out;
    }

    private static void put(Map<String, Tensor> out, StringTensorDict d) {
        for (long i = 0; i < d.size(); i++) {
            StringTensorDictItem item = d.get(i);
            // value() refers into the dict, which dies with d: take an owning handle to the same tensor
            out.put(item.key().getString(), new Tensor(item.value()));
        }
    }

    /**
     * Copies {@code weights} into the module, converting dtype. Strict like {@code load_state_dict}:
     * every missing, unexpected or misshaped key is an error that names the key and {@code source}.
     */
    public static void load(Module m, Map<String, Tensor> weights, String source) {
        Torch.init();
        Map<String, Tensor> own = of(m);
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(own.keySet());
        missing.removeAll(weights.keySet());
        TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
        unexpected.removeAll(own.keySet());
        for (String k : missing) problems.add("missing key '" + k + "'");
        for (String k : unexpected) problems.add("unexpected key '" + k + "'");
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = weights.get(e.getKey());
            if (src == null) continue;
            long[] want = Tensors.shape(e.getValue());
            long[] got = Tensors.shape(src);
            if (!Arrays.equals(want, got)) {
                problems.add("key '" + e.getKey() + "' has shape " + Arrays.toString(got) + ", the model expects " + Arrays.toString(want));
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 10);
            String more = problems.size() > shown ? " (and " + (problems.size() - shown) + " more)" : "";
            throw new GroundiffException(source + " does not fit the model: " + String.join("; ", problems.subList(0, shown)) + more);
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                e.getValue().copy_(weights.get(e.getKey()));
            }
        }
    }

    /** Number of elements over all parameters (buffers excluded). */
    public static long parameterCount(Module m) {
        long n = 0;
        StringTensorDict d = m.named_parameters(true);
        for (long i = 0; i < d.size(); i++) n += d.get(i).value().numel();
        return n;
    }
}
