package dev.groundiff.world;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The world's oracle detector: a small UNet that labels every pixel with one of the world's categories
 * or background. Instances are read off the label map by {@link InstanceExtractor}.
 *
 * <p>Layout: {@code conv_in}; per level a residual block ({@code down.i.block}) and, except at the
 * coarsest level, a stride-2 conv ({@code down.i.downsample}); two residual blocks in {@code mid};
 * per level on the way up a nearest-neighbour upsample + 3x3 conv ({@code up.i.upsample}) and a
 * residual block over [upsampled, skip] ({@code up.i.block}); {@code norm_out}, SiLU, 1x1 {@code conv_out}.
 */
public final class WorldDetector extends Layer {
    private final DetectorConfig config;
    private final Conv2d convIn;
    private final List<ResBlock> downBlocks = new ArrayList<>();
    private final List<Conv2d> downsamplers = new ArrayList<>();
    private final ResBlock mid1, mid2;
    private final List<Conv2d> upsamplers = new ArrayList<>();
    private final List<ResBlock> upBlocks = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public WorldDetector(DetectorConfig config, ParamFactory f) {
        this.config = config;
        List<Integer> ch = config.channels();
        int g = config.normGroups();
        int levels = ch.size();
        convIn = child("conv_in", new Conv2d(f, 3, ch.get(0), 3, 1, 1));
        for (int i = 0; i < levels; i++) {
            downBlocks.add(child("down_" + i + "_block", new ResBlock(f, ch.get(i), ch.get(i), g)));
            if (i < levels - 1) downsamplers.add(child("down_" + i + "_downsample", new Conv2d(f, ch.get(i), ch.get(i + 1), 3, 2, 1)));
        }
        int last = ch.get(levels - 1);
        mid1 = child("mid_block_0", new ResBlock(f, last, last, g));
        mid2 = child("mid_block_1", new ResBlock(f, last, last, g));
        for (int i = levels - 2; i >= 0; i--) {
            upsamplers.add(child("up_" + i + "_upsample", new Conv2d(f, ch.get(i + 1), ch.get(i), 3, 1, 1)));
            upBlocks.add(child("up_" + i + "_block", new ResBlock(f, 2 * ch.get(i), ch.get(i), g)));
        }
        normOut = child("norm_out", new GroupNorm(f, g, ch.get(0), 1e-5));
        convOut = child("conv_out", new Conv2d(f, ch.get(0), config.numClasses(), 1, 1, 0));
    }

    public DetectorConfig config() {
        return config;
    }

    /** Images [B, 3, H, W] with values in [0, 1] to class logits [B, classes, H, W]. */
    public Tensor forward(Tensor images) {
        Tensor h = convIn.forward(images.mul(Tensors.scalar(2)).sub(Tensors.scalar(1)));
        List<Tensor> skips = new ArrayList<>();
        for (int i = 0; i < downBlocks.size(); i++) {
            h = downBlocks.get(i).forward(h);
            if (i < downsamplers.size()) {
                skips.add(h);
                h = downsamplers.get(i).forward(h);
            }
        }
        h = mid2.forward(mid1.forward(h));
        for (int k = 0; k < upBlocks.size(); k++) {
            Tensor skip = skips.get(skips.size() - 1 - k);
            h = upsamplers.get(k).forward(torch.upsample_nearest2d(h, Tensors.shape(skip)[2], Tensors.shape(skip)[3]));
            h = upBlocks.get(k).forward(torch.cat(new TensorVector(h, skip), 1));
        }
        return convOut.forward(torch.silu(normOut.forward(h)));
    }

    /** Per-pixel class probabilities [classes, H, W] (flattened, class-major) for one image. */
    public float[] probabilities(BufferedImage image) {
        checkSize(image);
        Torch.init();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = Tensors.fromFloats(dev.groundiff.io.Images.toChw(image), 1, 3, image.getHeight(), image.getWidth());
            return Tensors.toFloats(torch.softmax(forward(x), 1));
        }
    }

    /** The instances in one image: one per class present (see {@link InstanceExtractor}). */
    public List<DetectorInstance> detect(BufferedImage image) {
        return InstanceExtractor.DEFAULT.extract(probabilities(image), config, image.getWidth(), image.getHeight());
    }

    /** {@link #detect} for several images, run through the network as one batch. */
    public List<List<DetectorInstance>> detectAll(List<BufferedImage> images) {
        if (images.isEmpty()) return List.of();
        int s = config.imageSize(), n = 3 * s * s, c = config.numClasses();
        float[] in = new float[images.size() * n];
        for (int i = 0; i < images.size(); i++) {
            checkSize(images.get(i));
            System.arraycopy(dev.groundiff.io.Images.toChw(images.get(i)), 0, in, i * n, n);
        }
        float[] probs;
        Torch.init();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            probs = Tensors.toFloats(torch.softmax(forward(Tensors.fromFloats(in, images.size(), 3, s, s)), 1));
        }
        List<List<DetectorInstance>> out = new ArrayList<>();
        int per = c * s * s;
        for (int i = 0; i < images.size(); i++) {
            float[] one = java.util.Arrays.copyOfRange(probs, i * per, (i + 1) * per);
            out.add(InstanceExtractor.DEFAULT.extract(one, config, s, s));
        }
        return out;
    }

    private void checkSize(BufferedImage image) {
        if (image.getWidth() != config.imageSize() || image.getHeight() != config.imageSize()) {
            throw new dev.groundiff.GroundiffException("the world detector takes " + config.imageSize() + "x" + config.imageSize()
                    + " images, got " + image.getWidth() + "x" + image.getHeight());
        }
    }
}
