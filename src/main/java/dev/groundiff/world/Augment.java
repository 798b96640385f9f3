package dev.groundiff.world;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Training-time image degradation: a quarter of the images get a 3x3 binomial blur, half get Gaussian
 * noise (std up to 0.04). Images made by the world's diffusion model are softer and noisier than
 * renders; the labels stay the exact rendered masks.
 */
final class Augment {
    private Augment() {}

    static Tensor apply(Tensor images, long seed) {
        Generator gen = torch.createCPUGenerator(seed);
        long[] s = Tensors.shape(images);
        long b = s[0], c = s[1];
        Tensor pick = torch.rand(new long[] {b, 2, 1, 1}, new GeneratorOptional(gen));
        Tensor blurOn = pick.narrow(1, 0, 1).lt(Tensors.scalar(0.25)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
        Tensor noiseStd = pick.narrow(1, 1, 1).lt(Tensors.scalar(0.5)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float)
                .mul(torch.rand(new long[] {b, 1, 1, 1}, new GeneratorOptional(gen))).mul(Tensors.scalar(0.04));
        float[] k = {1, 2, 1, 2, 4, 2, 1, 2, 1};
        for (int i = 0; i < k.length; i++) k[i] /= 16f;
        Tensor kernel = Tensors.fromFloats(k, 1, 1, 3, 3).expand(c, 1, 3, 3).contiguous();
        Tensor padded = torch.replication_pad2d(images, 1, 1, 1, 1);
        Tensor blurred = torch.conv2d(padded, kernel, Tensors.opt(null), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, c);
        Tensor x = images.add(blurred.sub(images).mul(blurOn));
        Tensor noise = torch.randn(s, new GeneratorOptional(gen)).mul(noiseStd);
        return x.add(noise).clamp(new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(0)), new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(1)));
    }
}
