package dev.groundiff.torch.optim;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.Adam} / {@code AdamW} (single-tensor update rule, bias corrections), kept in Java
 * so that its whole state (step count and both moments, by parameter name) can be checkpointed and
 * restored exactly: the same operations in the same order on every run, so a resumed training run
 * ends bit-identical to an uninterrupted one.
 */
public final class Adam {
    /** How weight decay enters: added to the gradient (Adam's L2) or applied to the weights (AdamW). */
    public enum WeightDecay { COUPLED, DECOUPLED }

    private final Map<String, Tensor> params;
    private final double beta1, beta2, eps, weightDecay;
    private final WeightDecay mode;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;

    public Adam(Map<String, Tensor> params, double beta1, double beta2, double eps, double weightDecay, WeightDecay mode) {
        this.params = new LinkedHashMap<>(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.mode = mode;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            expAvg.put(e.getKey(), torch.zeros_like(e.getValue()));
            expAvgSq.put(e.getKey(), torch.zeros_like(e.getValue()));
        }
    }

    public void zeroGrad() {
        for (Tensor p : params.values()) {
            Tensor g = p.grad();
            if (g != null && g.defined()) g.zero_();
        }
    }

    /** One update with learning rate {@code lr} from the parameters' current gradients (left in place). */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (grad == null || !grad.defined()) continue;
                if (weightDecay != 0) {
                    if (mode == WeightDecay.COUPLED) grad = grad.add(p, Tensors.scalar(weightDecay));
                    else p.mul_(Tensors.scalar(1 - lr * weightDecay));
                }
                Tensor m = expAvg.get(e.getKey());
                Tensor v = expAvgSq.get(e.getKey());
                m.lerp_(grad, Tensors.scalar(1 - beta1));
                v.mul_(Tensors.scalar(beta2)).addcmul_(grad, grad, Tensors.scalar(1 - beta2));
                Tensor denom = v.sqrt().div_(Tensors.scalar(bc2Sqrt)).add_(Tensors.scalar(eps)); // one temporary per parameter
                p.addcdiv_(m, denom, Tensors.scalar(-lr / bc1));
            }
        }
    }

    public long stepCount() {
        return step;
    }

    /** Moments under {@code exp_avg.<name>} and {@code exp_avg_sq.<name>} (the optimizer's own tensors). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : params.keySet()) {
            out.put("exp_avg." + k, expAvg.get(k));
            out.put("exp_avg_sq." + k, expAvgSq.get(k));
        }
        return out;
    }

    /** Restores {@link #state()} and the step count; every moment must be present with its parameter's shape. */
    public void load(Map<String, Tensor> state, long stepCount, String source) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : state().entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) throw new GroundiffException(source + ": optimizer state '" + e.getKey() + "' is missing");
                if (!Arrays.equals(Tensors.shape(src), Tensors.shape(e.getValue()))) {
                    throw new GroundiffException(source + ": optimizer state '" + e.getKey() + "' has shape "
                            + Tensors.shapeString(src) + ", expected " + Tensors.shapeString(e.getValue()));
                }
                e.getValue().copy_(src);
            }
        }
        this.step = stepCount;
    }
}
