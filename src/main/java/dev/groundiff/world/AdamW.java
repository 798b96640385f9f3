package dev.groundiff.world;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW ({@code torch.optim.AdamW} update rule, decoupled weight decay), with its moment estimates held
 * as named tensors so that a checkpoint can store and restore them exactly. The update uses the
 * same operations in the same order on every run, so resuming from a checkpoint gives bit-identical weights.
 */
public final class AdamW {
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private final double beta1, beta2, eps, weightDecay;
    private long step;

    public AdamW(Map<String, Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = new LinkedHashMap<>(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            expAvg.put(e.getKey(), torch.zeros_like(e.getValue()));
            expAvgSq.put(e.getKey(), torch.zeros_like(e.getValue()));
        }
    }

    public long stepCount() {
        return step;
    }

    /** Applies one update with learning rate {@code lr} from the parameters' current gradients, then clears them. */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (grad == null || !grad.defined()) continue;
                Tensor m = expAvg.get(e.getKey()), v = expAvgSq.get(e.getKey());
                p.mul_(Tensors.scalar(1 - lr * weightDecay));
                m.mul_(Tensors.scalar(beta1)).add_(grad, Tensors.scalar(1 - beta1));
                v.mul_(Tensors.scalar(beta2)).addcmul_(grad, grad, Tensors.scalar(1 - beta2));
                Tensor denom = v.sqrt().div(Tensors.scalar(Math.sqrt(bc2))).add(Tensors.scalar(eps));
                p.addcdiv_(m, denom, Tensors.scalar(-lr / bc1));
                grad.zero_();
            }
        }
    }

    /** Moment estimates under {@code exp_avg.<param>} and {@code exp_avg_sq.<param>} (the optimizer's own tensors). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        expAvg.forEach((k, t) -> out.put("exp_avg." + k, t));
        expAvgSq.forEach((k, t) -> out.put("exp_avg_sq." + k, t));
        return out;
    }

    /** Restores {@link #state()} and the step count. Missing or misshaped entries are errors naming the key. */
    public void load(Map<String, Tensor> state, long stepCount, String source) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : state().entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) throw new dev.groundiff.GroundiffException(source + ": missing optimizer state '" + e.getKey() + "'");
                if (!java.util.Arrays.equals(Tensors.shape(src), Tensors.shape(e.getValue()))) {
                    throw new dev.groundiff.GroundiffException(source + ": optimizer state '" + e.getKey() + "' has shape " + Tensors.shapeString(src)
                            + ", expected " + Tensors.shapeString(e.getValue()));
                }
                e.getValue().copy_(src);
            }
        }
        this.step = stepCount;
    }
}
