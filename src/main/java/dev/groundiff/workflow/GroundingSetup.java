package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.VaeConfig;
import dev.groundiff.grounding.GroundingConfig;

import java.util.List;

/** Which grounding module fits a Stable Diffusion model, and a check that a given one does. */
public final class GroundingSetup {
    private GroundingSetup() {}

    /**
     * The official widths (1x1 convs 16/32/64/128, fusion 512, 8 heads, 3 layers, FFN 2048) on this
     * model's taps: group inputs from {@code block_out_channels[0]}, queries of the CLIP width
     * (= the UNet's cross-attention width). F lies at the native latent resolution cut into 16x16
     * patches, and logits come out at the native image size, as in the official module (64, 4, 512).
     * For SD v1.x this is {@link GroundingConfig#sdV1()}; for the embedded world F is 16x16 (patch 1).
     */
    public static GroundingConfig forModel(StableDiffusion sd) {
        return forModel(sd.unetConfig, sd.vaeConfig);
    }

    /** {@link #forModel(StableDiffusion)} from the configs alone. */
    public static GroundingConfig forModel(UNetConfig u, VaeConfig vae) {
        requireSdV1Shape(u);
        int f = u.sampleSize() != null ? u.sampleSize() : 64;
        return GroundingConfig.forUnet(u.blockOutChannels().get(0), 16, 32, 64, 128, 512, 8, 3, 2048, u.crossAttentionDim())
                .atResolution(f, Math.max(1, f / 16), f * vae.downsampleFactor());
    }

    /** Fails with the differing widths when {@code c} cannot read this model's taps and queries. */
    public static void requireFits(GroundingConfig c, StableDiffusion sd, String where) {
        GroundingConfig want = forModel(sd);
        StringBuilder d = new StringBuilder();
        diff(d, "low_channels", c.lowChannels(), want.lowChannels());
        diff(d, "mid_channels", c.midChannels(), want.midChannels());
        diff(d, "high_channels", c.highChannels(), want.highChannels());
        diff(d, "highest_channels", c.highestChannels(), want.highestChannels());
        diff(d, "text_dim", c.textDim(), want.textDim());
        if (d.length() > 0) {
            throw new GroundiffException(where + " does not fit the model " + sd.path() + " (" + d + "): it was made for a UNet of other widths");
        }
    }

    private static void diff(StringBuilder b, String name, int have, int want) {
        if (have == want) return;
        if (b.length() > 0) b.append(", ");
        b.append(name).append(' ').append(have).append(", the model needs ").append(want);
    }

    private static void requireSdV1Shape(UNetConfig u) {
        List<Integer> c = u.blockOutChannels();
        boolean ok = c.size() == 4 && c.get(1) == 2 * c.get(0) && c.get(2) == 4 * c.get(0) && c.get(3) == 4 * c.get(0) && u.layersPerBlock() == 2;
        if (!ok) {
            throw new GroundiffException("the grounding module needs an SD v1-shaped UNet (block_out_channels C, 2C, 4C, 4C; 2 layers per block), this one has "
                    + c + " and " + u.layersPerBlock() + " layers per block");
        }
    }
}
