package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.Adam} (single-tensor path: coupled L2 weight decay, bias corrections), kept in
 * Java so that its whole state (step and both moments per parameter, by name) can be checkpointed and
 * restored exactly.
 */
public final class Adam {
    private final Map<String, Tensor> params;
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;

    public Adam(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            expAvg.put(e.getKey(), torch.zeros_like(e.getValue()));
            expAvgSq.put(e.getKey(), torch.zeros_like(e.getValue()));
        }
    }

    public void zeroGrad() {
        for (Tensor p : params.values()) {
            Tensor g = p.grad();
            if (g.defined()) g.zero_();
        }
    }

    public void step() {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (!grad.defined()) continue;
                if (weightDecay != 0) grad = grad.add(p, Tensors.scalar(weightDecay));
                Tensor m = expAvg.get(e.getKey());
                Tensor v = expAvgSq.get(e.getKey());
                m.lerp_(grad, Tensors.scalar(1 - beta1));
                v.mul_(Tensors.scalar(beta2)).addcmul_(grad, grad, Tensors.scalar(1 - beta2));
                Tensor denom = v.sqrt().div_(Tensors.scalar(bc2Sqrt)).add_(Tensors.scalar(eps)); // one temporary per parameter
                p.addcdiv_(m, denom, Tensors.scalar(-stepSize));
            }
        }
    }

    public long stepCount() {
        return step;
    }

    /** State under "exp_avg.<name>" and "exp_avg_sq.<name>" (the optimizer's own tensors). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : params.keySet()) {
            out.put("exp_avg." + k, expAvg.get(k));
            out.put("exp_avg_sq." + k, expAvgSq.get(k));
        }
        return out;
    }

    /** Restores {@link #state()} and the step count; every moment must be present with the parameter's shape. */
    public void load(Map<String, Tensor> state, long stepCount, String source) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : state().entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) throw new dev.groundiff.GroundiffException(source + ": optimizer state '" + e.getKey() + "' is missing");
                if (!java.util.Arrays.equals(Tensors.shape(src), Tensors.shape(e.getValue()))) {
                    throw new dev.groundiff.GroundiffException(source + ": optimizer state '" + e.getKey() + "' has shape "
                            + Tensors.shapeString(src) + ", expected " + Tensors.shapeString(e.getValue()));
                }
                e.getValue().copy_(src);
            }
        }
        this.step = stepCount;
    }
}
