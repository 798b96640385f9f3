package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Tensors;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Tensor operations the diffusion blocks share, spelled once. */
public final class Ops {
    private Ops() {}

    public static Tensor cat(long dim, Tensor... parts) {
        return torch.cat(new TensorVector(parts), dim);
    }

    public static Tensor silu(Tensor x) {
        return torch.silu(x);
    }

    /** {@code F.pad(x, (left, right, top, bottom))} with zeros. */
    public static Tensor pad(Tensor x, long left, long right, long top, long bottom) {
        // LongArrayRef(long[], n) points at a temporary copy that is gone before the call: keep the native buffer alive
        try (LongPointer p = new LongPointer(left, right, top, bottom)) {
            return torch.constant_pad_nd(x, new LongArrayRef(p, 4), Tensors.scalar(0));
        }
    }

    /** {@code [B, C, H, W] -> [B, H*W, C]} (tokens in row-major order h*W + w). */
    public static Tensor toTokens(Tensor x) {
        long[] s = Tensors.shape(x);
        return x.permute(0, 2, 3, 1).reshape(s[0], s[2] * s[3], s[1]);
    }

    /** {@code [B, H*W, C] -> [B, C, H, W]}, contiguous. */
    public static Tensor fromTokens(Tensor x, long height, long width) {
        long[] s = Tensors.shape(x);
        return x.reshape(s[0], height, width, s[2]).permute(0, 3, 1, 2).contiguous();
    }
}
