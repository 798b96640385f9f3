package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The official training loss: {@code BCEWithLogitsLoss} (mean over pixels) per (image, category). */
public final class GroundingLoss {
    private GroundingLoss() {}

    /** Mean binary cross-entropy of one logit map against one 0/1 target of the same shape. */
    public static Tensor bce(Tensor logits, Tensor target) {
        if (!java.util.Arrays.equals(Tensors.shape(logits), Tensors.shape(target))) {
            throw new GroundiffException("grounding loss: target mask " + Tensors.shapeString(target)
                    + " does not match the logits " + Tensors.shapeString(logits));
        }
        return torch.binary_cross_entropy_with_logits(logits, target.to(logits.scalar_type()));
    }

    /** Per-category losses [N] of one image: logits [N, H, W] against targets [N, H, W]. */
    public static Tensor perCategory(Tensor logits, Tensor targets) {
        long n = logits.size(0);
        org.bytedeco.pytorch.TensorVector v = new org.bytedeco.pytorch.TensorVector();
        for (long i = 0; i < n; i++) v.push_back(bce(logits.select(0, i), targets.select(0, i)));
        return torch.stack(v, 0);
    }
}
