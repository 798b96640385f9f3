package dev.groundiff.diffusion.unet;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.Downsample2D;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.diffusion.blocks.Transformer2DModel;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What diffusers' {@code CrossAttnDownBlock2D} and {@code DownBlock2D} share: per layer a resnet
 * (then a transformer when the block attends), each layer's output kept as a skip tensor, then an
 * optional downsampler whose output is the last skip tensor.
 */
abstract class UNetDownBlock extends Layer {
    private final LayerList<Transformer2DModel> attentions;
    private final LayerList<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    /** {@code attention} null: no transformers ({@code DownBlock2D}). */
    UNetDownBlock(ParamFactory f, long in, long out, long temb, int layers, long groups, double eps,
                  boolean addDownsample, int downsamplePadding, AttentionSpec attention) {
        attentions = attention != null ? child("attentions", new LayerList<>()) : null;
        resnets = child("resnets", new LayerList<>());
        for (int i = 0; i < layers; i++) {
            resnets.add(new ResnetBlock2D(f, i == 0 ? in : out, out, temb, groups, eps, 1.0));
            if (attention != null) {
                attentions.add(new Transformer2DModel(f, out, attention.heads(), attention.contextDim(), groups,
                        attention.layers(), attention.linearProjection()));
            }
        }
        if (addDownsample) {
            LayerList<Downsample2D> ds = child("downsamplers", new LayerList<>());
            downsampler = ds.add(new Downsample2D(f, out, downsamplePadding));
        } else {
            downsampler = null;
        }
    }

    boolean hasDownsampler() {
        return downsampler != null;
    }

    DownOutput forward(Tensor h, Tensor temb, Tensor context, Capture cap) {
        List<Tensor> res = new ArrayList<>();
        for (int i = 0; i < resnets.size(); i++) {
            h = resnets.get(i).forward(h, temb, cap.at("resnets", i));
            if (attentions != null) h = attentions.get(i).forward(h, context, cap.at("attentions", i));
            res.add(h);
        }
        if (downsampler != null) {
            h = downsampler.forward(h, cap.at("downsamplers", 0));
            res.add(h);
        }
        cap.output(h);
        for (int k = 0; k < res.size(); k++) cap.output(":res_samples." + k, res.get(k));
        return new DownOutput(h, List.copyOf(res));
    }
}
