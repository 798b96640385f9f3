package dev.groundiff.diffusion.unet;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.Ops;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.diffusion.blocks.Transformer2DModel;
import dev.groundiff.diffusion.blocks.Upsample2D;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What diffusers' {@code CrossAttnUpBlock2D} and {@code UpBlock2D} share: per layer, concatenate the
 * next skip tensor (consumed last-first) along channels, a resnet, then a transformer when the block
 * attends; then an optional upsampler.
 */
abstract class UNetUpBlock extends Layer {
    private final LayerList<Transformer2DModel> attentions;
    private final LayerList<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    /**
     * @param in   channels of the skip tensor the last layer consumes
     * @param prev channels of the hidden states coming from the block below
     */
    UNetUpBlock(ParamFactory f, long in, long out, long prev, long temb, int layers, long groups, double eps,
                boolean addUpsample, AttentionSpec attention) {
        attentions = attention != null ? child("attentions", new LayerList<>()) : null;
        resnets = child("resnets", new LayerList<>());
        for (int i = 0; i < layers; i++) {
            long skip = i == layers - 1 ? in : out;
            long resIn = i == 0 ? prev : out;
            resnets.add(new ResnetBlock2D(f, resIn + skip, out, temb, groups, eps, 1.0));
            if (attention != null) {
                attentions.add(new Transformer2DModel(f, out, attention.heads(), attention.contextDim(), groups,
                        attention.layers(), attention.linearProjection()));
            }
        }
        if (addUpsample) {
            LayerList<Upsample2D> us = child("upsamplers", new LayerList<>());
            upsampler = us.add(new Upsample2D(f, out));
        } else {
            upsampler = null;
        }
    }

    int numLayers() {
        return resnets.size();
    }

    boolean hasUpsampler() {
        return upsampler != null;
    }

    /**
     * @param skips       this block's skip tensors in the order the down path emitted them (the last is consumed first)
     * @param upsampleSize output size of the upsampler, or null for twice the input
     */
    UpOutput forward(Tensor h, List<Tensor> skips, Tensor temb, Tensor context, long[] upsampleSize, Capture cap) {
        List<Tensor> outs = new ArrayList<>();
        for (int i = 0; i < resnets.size(); i++) {
            Tensor skip = skips.get(skips.size() - 1 - i);
            h = resnets.get(i).forward(Ops.cat(1, h, skip), temb, cap.at("resnets", i));
            if (attentions != null) h = attentions.get(i).forward(h, context, cap.at("attentions", i));
            outs.add(h);
        }
        if (upsampler != null) {
            h = upsampler.forward(h, upsampleSize, cap.at("upsamplers", 0));
            outs.set(outs.size() - 1, h);
        }
        return new UpOutput(cap.output(h), List.copyOf(outs));
    }
}
