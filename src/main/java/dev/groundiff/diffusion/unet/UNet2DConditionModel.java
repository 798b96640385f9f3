package dev.groundiff.diffusion.unet;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.Ops;
import dev.groundiff.diffusion.blocks.TimestepEmbedding;
import dev.groundiff.diffusion.blocks.Timesteps;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diffusers 0.24 {@code UNet2DConditionModel} for SD v1.x, with parameter names equal to its
 * state-dict keys, and Grounded Diffusion's feature taps returned by the forward call itself.
 *
 * <p>The forward pass builds an autograd graph unless the caller disables it
 * ({@code try (var g = Torch.noGrad()) {...}}), as inference should.
 */
public final class UNet2DConditionModel extends Layer {
    private final UNetConfig config;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final LayerList<UNetDownBlock> downBlocks;
    private final LayerList<UNetUpBlock> upBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    public UNet2DConditionModel(ParamFactory f, UNetConfig c) {
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        long temb = c.timeEmbeddingDim();
        long groups = c.normNumGroups();
        double eps = c.normEps();

        convIn = child("conv_in", new Conv2d(f, c.inChannels(), ch.get(0), 3, 1, 1));
        timeProj = new Timesteps(ch.get(0), c.flipSinToCos(), c.freqShift());
        timeEmbedding = child("time_embedding", new TimestepEmbedding(f, ch.get(0), temb));

        downBlocks = child("down_blocks", new LayerList<>());
        upBlocks = child("up_blocks", new LayerList<>());

        long out = ch.get(0);
        for (int i = 0; i < n; i++) {
            long in = out;
            out = ch.get(i);
            boolean last = i == n - 1;
            if (UNetConfig.CROSS_ATTN_DOWN.equals(c.downBlockTypes().get(i))) {
                downBlocks.add(new CrossAttnDownBlock2D(f, in, out, temb, c.layersPerBlock(), groups, eps, !last,
                        c.downsamplePadding(), attention(c, i)));
            } else {
                downBlocks.add(new DownBlock2D(f, in, out, temb, c.layersPerBlock(), groups, eps, !last, c.downsamplePadding()));
            }
        }

        midBlock = child("mid_block", new UNetMidBlock2DCrossAttn(f, ch.get(n - 1), temb, groups, eps,
                c.midBlockScaleFactor(), attention(c, n - 1)));

        out = ch.get(n - 1);
        for (int j = 0; j < n; j++) {
            int level = n - 1 - j; // up block j mirrors down block n-1-j
            long prev = out;
            out = ch.get(level);
            long in = ch.get(Math.max(level - 1, 0));
            boolean last = j == n - 1;
            if (UNetConfig.CROSS_ATTN_UP.equals(c.upBlockTypes().get(j))) {
                upBlocks.add(new CrossAttnUpBlock2D(f, in, out, prev, temb, c.layersPerBlock() + 1, groups, eps, !last,
                        attention(c, level)));
            } else {
                upBlocks.add(new UpBlock2D(f, in, out, prev, temb, c.layersPerBlock() + 1, groups, eps, !last));
            }
        }

        convNormOut = child("conv_norm_out", new GroupNorm(f, groups, ch.get(0), eps));
        convOut = child("conv_out", new Conv2d(f, ch.get(0), c.outChannels(), 3, 1, 1));
    }

    private static AttentionSpec attention(UNetConfig c, int block) {
        return new AttentionSpec(c.attentionHeads().get(block), c.crossAttentionDim(),
                c.transformerLayersPerBlock().get(block), c.useLinearProjection());
    }

    public UNetConfig config() {
        return config;
    }

    /**
     * @param sample              noisy latents [B, in_channels, H, W]
     * @param timesteps           0-d, [1] or [B] (int64 as diffusers passes them; any numeric type works)
     * @param encoderHiddenStates text states [B, L, cross_attention_dim]
     * @param taps                which feature taps to return
     */
    public UNetOutput forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates, TapRequest taps) {
        return forward(sample, timesteps, encoderHiddenStates, taps, null);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, TapRequest)}, also putting every module's output into
     * {@code moduleOutputs} (verification only; null in production) under its diffusers module path
     * ({@code conv_in}, {@code down_blocks.0.resnets.0}, {@code down_blocks.0:res_samples.1}, ...),
     * the names of the reference fixtures' forward hooks.
     */
    public UNetOutput forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates, TapRequest taps,
                              Map<String, Tensor> moduleOutputs) {
        TapRequest request = taps == null ? TapRequest.NONE : taps;
        long batch = checkInputs(sample, encoderHiddenStates);
        Map<String, Tensor> probs = request.wantsCrossAttention() ? new LinkedHashMap<>() : null;
        Capture cap = Capture.of(moduleOutputs, probs);

        Tensor tEmb = timeProj.forward(batchTimesteps(timesteps, batch));
        cap.at("time_proj").output(tEmb);
        Tensor emb = timeEmbedding.forward(tEmb.to(sample.scalar_type()), cap.at("time_embedding"));

        Tensor h = config.centerInputSample() ? sample.mul(Tensors.scalar(2)).sub(Tensors.scalar(1)) : sample;
        h = convIn.forward(h);
        cap.at("conv_in").output(h);

        List<Tensor> tapTensors = new ArrayList<>();
        List<Integer> tapLevels = new ArrayList<>();
        List<String> tapNames = new ArrayList<>();
        List<Tensor> skips = new ArrayList<>();
        int level = 0;
        skips.add(h);
        addTap(tapNames, tapTensors, tapLevels, "in0", h, level);
        for (int b = 0; b < downBlocks.size(); b++) {
            UNetDownBlock block = downBlocks.get(b);
            DownOutput o = block.forward(h, emb, encoderHiddenStates, cap.at("down_blocks", b));
            h = o.hidden();
            for (int k = 0; k < o.resSamples().size(); k++) {
                boolean downsampled = block.hasDownsampler() && k == o.resSamples().size() - 1;
                if (downsampled) level++;
                skips.add(o.resSamples().get(k));
                addTap(tapNames, tapTensors, tapLevels, "in" + (skips.size() - 1), o.resSamples().get(k), level);
            }
        }

        h = midBlock.forward(h, emb, encoderHiddenStates, cap.at("mid_block"));
        addTap(tapNames, tapTensors, tapLevels, "middle", h, level);

        boolean forwardUpsampleSize = needsExplicitUpsampleSize(sample);
        int outIndex = 0;
        for (int j = 0; j < upBlocks.size(); j++) {
            UNetUpBlock block = upBlocks.get(j);
            int k = block.numLayers();
            List<Tensor> blockSkips = new ArrayList<>(skips.subList(skips.size() - k, skips.size()));
            skips = new ArrayList<>(skips.subList(0, skips.size() - k));
            long[] upsampleSize = forwardUpsampleSize && block.hasUpsampler() && !skips.isEmpty()
                    ? Arrays.copyOfRange(Tensors.shape(skips.get(skips.size() - 1)), 2, 4) : null;
            UpOutput o = block.forward(h, blockSkips, emb, encoderHiddenStates, upsampleSize, cap.at("up_blocks", j));
            h = o.hidden();
            for (int i = 0; i < o.layerOutputs().size(); i++) {
                if (block.hasUpsampler() && i == o.layerOutputs().size() - 1) level--;
                addTap(tapNames, tapTensors, tapLevels, "out" + outIndex++, o.layerOutputs().get(i), level);
            }
        }

        h = convNormOut.forward(h);
        cap.at("conv_norm_out").output(h);
        h = convOut.forward(Ops.silu(h));
        cap.at("conv_out").output(h);

        if (request.isNone()) return new UNetOutput(h, null);
        FeatureTaps featureTaps = request.wantsBlocks()
                ? new FeatureTaps(tapNames, tapTensors, tapLevels, probs != null ? probs : Map.of())
                : new FeatureTaps(List.of(), List.of(), List.of(), probs);
        return new UNetOutput(h, featureTaps);
    }

    private static void addTap(List<String> names, List<Tensor> tensors, List<Integer> levels, String name, Tensor t, int level) {
        names.add(name);
        tensors.add(t);
        levels.add(level);
    }

    /** diffusers passes the skip tensors' sizes to the upsamplers when the latent is not divisible by 2^upsamplers. */
    private boolean needsExplicitUpsampleSize(Tensor sample) {
        long factor = 1L << (upBlocks.size() - 1);
        long[] s = Tensors.shape(sample);
        return s[2] % factor != 0 || s[3] % factor != 0;
    }

    private long checkInputs(Tensor sample, Tensor context) {
        long[] s = Tensors.shape(sample);
        if (s.length != 4 || s[1] != config.inChannels()) {
            throw new GroundiffException("UNet sample must be [B, " + config.inChannels() + ", H, W], got " + Arrays.toString(s));
        }
        long[] c = Tensors.shape(context);
        if (c.length != 3 || c[0] != s[0] || c[2] != config.crossAttentionDim()) {
            throw new GroundiffException("UNet encoder_hidden_states must be [" + s[0] + ", L, " + config.crossAttentionDim()
                    + "], got " + Arrays.toString(c));
        }
        return s[0];
    }

    /** 0-d or [1] timesteps are broadcast over the batch, as diffusers does. */
    private static Tensor batchTimesteps(Tensor timesteps, long batch) {
        DType type = DType.of(timesteps.scalar_type());
        if (type == DType.BOOL) throw new GroundiffException("UNet timesteps must be numeric, got bool");
        long[] s = Tensors.shape(timesteps);
        if (s.length == 0) return timesteps.reshape(1).expand(batch);
        if (s.length == 1 && s[0] == 1) return timesteps.expand(batch);
        if (s.length == 1 && s[0] == batch) return timesteps;
        throw new GroundiffException("UNet timesteps must be a scalar or one per sample (" + batch + "), got shape " + Arrays.toString(s));
    }
}
