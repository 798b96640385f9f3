package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers {@code Timesteps} ({@code get_timestep_embedding}): sinusoidal features of the timesteps,
 * computed in float32 like the reference. No parameters.
 */
public final class Timesteps {
    private static final double MAX_PERIOD = 10000;

    private final long dim;
    private final boolean flipSinToCos;
    private final double freqShift;

    public Timesteps(long dim, boolean flipSinToCos, double freqShift) {
        this.dim = dim;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
    }

    /** {@code timesteps} [B] (any numeric dtype) -> float32 [B, dim]: {@code [cos | sin]} when flipped, else {@code [sin | cos]}. */
    public Tensor forward(Tensor timesteps) {
        long half = dim / 2;
        Tensor exponent = torch.arange(Tensors.scalar(0), Tensors.scalar(half), Tensors.options(ScalarType.Float))
                .mul(Tensors.scalar(-Math.log(MAX_PERIOD)))
                .div(Tensors.scalar(half - freqShift));
        Tensor args = timesteps.to(ScalarType.Float).unsqueeze(1).mul(exponent.exp().unsqueeze(0));
        Tensor emb = flipSinToCos ? Ops.cat(-1, args.cos(), args.sin()) : Ops.cat(-1, args.sin(), args.cos());
        if (dim % 2 == 1) emb = Ops.pad(emb, 0, 1, 0, 0);
        return emb;
    }
}
