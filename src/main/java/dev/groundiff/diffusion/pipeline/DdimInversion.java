package dev.groundiff.diffusion.pipeline;

import dev.groundiff.diffusion.scheduler.DdimInverseScheduler;
import dev.groundiff.diffusion.unet.TapRequest;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;

/**
 * DDIM inversion: runs the deterministic DDIM update backwards (clean latent towards noise),
 * conditioned on a prompt, without guidance, as diffusers' {@code DDIMInverseScheduler} chain.
 * Used to bring a real image into the diffusion trajectory before reading its features.
 */
public final class DdimInversion {
    private final StableDiffusion sd;

    public DdimInversion(StableDiffusion sd) {
        this.sd = sd;
    }

    /** @return the latents after each inverse step; the last one is the inverted noise */
    public List<Tensor> invert(Tensor latents, Tensor promptEmbeds, int steps) {
        Torch.init();
        ScalarType compute = sd.dtype.scalarType;
        DdimInverseScheduler scheduler = new DdimInverseScheduler(sd.schedulerConfig);
        long[] timesteps = scheduler.setTimesteps(steps);
        List<Tensor> chain = new ArrayList<>();
        Tensor x = latents.to(ScalarType.Float);
        Tensor embeds = promptEmbeds.to(compute);
        try (NoGradGuard ng = new NoGradGuard()) {
            for (long t : timesteps) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor eps = sd.unet.forward(x.to(compute), Tensors.fromLongs(new long[] {t}), embeds, TapRequest.NONE)
                            .sample().to(ScalarType.Float);
                    x = Scopes.keep(scope, scheduler.step(eps, t, x).prevSample());
                    chain.add(x);
                }
            }
        }
        return chain;
    }
}
