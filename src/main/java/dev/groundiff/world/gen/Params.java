package dev.groundiff.world.gen;

import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** Named trainable parameters of modules, under a prefix per module. */
final class Params {
    private Params() {}

    static Map<String, Tensor> of(String prefix, Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        org.bytedeco.pytorch.StringTensorDict named = m.named_parameters(true);
        for (long i = 0; i < named.size(); i++) out.put(prefix + named.get(i).key().getString(), new Tensor(named.get(i).value()));
        return out;
    }

    static Map<String, Tensor> withPrefix(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    static Map<String, Tensor> prefixed(String prefix, Map<String, Tensor> m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    /** The module's state dict with its parameters replaced by {@code values} (e.g. EMA), cast to {@code type}. */
    static Map<String, Tensor> exportState(Module m, Map<String, Tensor> values, org.bytedeco.pytorch.global.torch.ScalarType type) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : StateDict.of(m).entrySet()) {
            Tensor v = values != null && values.containsKey(e.getKey()) ? values.get(e.getKey()) : e.getValue();
            out.put(e.getKey(), v.detach().to(type).contiguous());
        }
        return out;
    }
}
