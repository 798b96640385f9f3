package dev.groundiff.world.gen;

import dev.groundiff.torch.Tensors;
import dev.groundiff.world.Scene;
import dev.groundiff.world.SceneRenderer;
import dev.groundiff.world.SceneSpec;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/** A training batch for the generative models: images in [-1, 1] (the VAE's range) and their captions. */
public record WorldScenes(Tensor images, List<String> captions) {
    public static WorldScenes render(long firstSeed, int count, SceneSpec spec) {
        int s = spec.size(), n = 3 * s * s;
        float[] img = new float[count * n];
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Scene scene = SceneRenderer.render(firstSeed + i, spec);
            float[] chw = scene.rgbChw();
            for (int k = 0; k < n; k++) img[i * n + k] = chw[k] * 2 - 1;
            captions.add(scene.caption());
        }
        return new WorldScenes(Tensors.fromFloats(img, count, 3, s, s), captions);
    }
}
