package dev.groundiff.world.gen;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** An exponential moving average of named parameters: {@code ema = d * ema + (1 - d) * p}. */
public final class Ema {
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();

    public Ema(Map<String, Tensor> params) {
        this.params = new LinkedHashMap<>(params);
        try (NoGradGuard g = new NoGradGuard()) {
            params.forEach((k, p) -> shadow.put(k, p.detach().clone()));
        }
    }

    public void update(double decay) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                shadow.get(e.getKey()).mul_(Tensors.scalar(decay)).add_(e.getValue().detach(), Tensors.scalar(1 - decay));
            }
        }
    }

    /** The averaged tensors by parameter name (live: they change with {@link #update}). */
    public Map<String, Tensor> state() {
        return shadow;
    }

    public void load(Map<String, Tensor> state, String source) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : shadow.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) throw new dev.groundiff.GroundiffException(source + ": missing EMA tensor '" + e.getKey() + "'");
                if (!java.util.Arrays.equals(Tensors.shape(src), Tensors.shape(e.getValue()))) {
                    throw new dev.groundiff.GroundiffException(source + ": EMA tensor '" + e.getKey() + "' has shape " + Tensors.shapeString(src));
                }
                e.getValue().copy_(src);
            }
        }
    }
}
