package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** diffusers {@code TimestepEmbedding}: {@code linear_2(silu(linear_1(x)))}. */
public final class TimestepEmbedding extends Layer {
    private final Linear linear1;
    private final Linear linear2;

    public TimestepEmbedding(ParamFactory f, long in, long dim) {
        linear1 = child("linear_1", new Linear(f, in, dim, true));
        linear2 = child("linear_2", new Linear(f, dim, dim, true));
    }

    public Tensor forward(Tensor x, Capture cap) {
        return cap.output(linear2.forward(Ops.silu(linear1.forward(x))));
    }
}
