package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers {@code FeedForward} with GEGLU: {@code net.0.proj} to 2x4·dim, {@code a * gelu(gate)}
 * (exact GELU), {@code net.2} back to dim ({@code net.1} is a parameter-free dropout).
 */
public final class FeedForward extends Layer {
    /** diffusers {@code GEGLU}: one projection whose halves are the value and the gate. */
    static final class GEGLU extends Layer {
        private final Linear proj;

        GEGLU(ParamFactory f, long dim, long inner) {
            proj = child("proj", new Linear(f, dim, inner * 2, true));
        }

        Tensor forward(Tensor x) {
            TensorVector halves = proj.forward(x).chunk(2, -1);
            return halves.get(0).mul(torch.gelu(halves.get(1)));
        }
    }

    /** {@code net}: children 0 and 2 only, as the checkpoint keys have them. */
    static final class Net extends Layer {
        Net(GEGLU act, Linear out) {
            child("0", act);
            child("2", out);
        }
    }

    private final GEGLU act;
    private final Linear out;

    public FeedForward(ParamFactory f, long dim) {
        long inner = dim * 4;
        act = new GEGLU(f, dim, inner);
        out = new Linear(f, inner, dim, true);
        child("net", new Net(act, out));
    }

    public Tensor forward(Tensor x, Capture cap) {
        return cap.output(out.forward(act.forward(x)));
    }
}
