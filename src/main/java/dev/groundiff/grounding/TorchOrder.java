package dev.groundiff.grounding;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A module's state in PyTorch's {@code state_dict()} order: at every level the module's own
 * parameters, then its own buffers, then each child in registration order. (libtorch's
 * {@code named_parameters} lists all parameters before all buffers, a different order.)
 */
final class TorchOrder {
    private TorchOrder() {}

    static Map<String, Tensor> stateDict(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect(m, "", out);
        return out;
    }

    /** Parameters only, in the same order. */
    static Map<String, Tensor> parameters(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect(m, "", out, false);
        return out;
    }

    private static void collect(Module m, String prefix, Map<String, Tensor> out) {
        collect(m, prefix, out, true);
    }

    private static void collect(Module m, String prefix, Map<String, Tensor> out, boolean buffers) {
        put(m.named_parameters(false), prefix, out);
        if (buffers) put(m.named_buffers(false), prefix, out);
        StringSharedModuleDict children = m.named_children();
        for (long i = 0; i < children.size(); i++) {
            collect(children.get(i).value(), prefix + children.get(i).key().getString() + ".", out, buffers);
        }
    }

    /**
     * The dict's values point into the dict's own storage, which is freed once the dict object is
     * collected (a later grad() on such a handle crashed the JVM): copy each into an owned handle
     * that shares the module's tensor.
     */
    private static void put(StringTensorDict d, String prefix, Map<String, Tensor> out) {
        for (long i = 0; i < d.size(); i++) {
            StringTensorDictItem item = d.get(i);
            out.put(prefix + item.key().getString(), new Tensor(item.value()));
        }
    }
}
