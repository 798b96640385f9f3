package dev.groundiff.world;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * A batch of rendered scenes as tensors: images [B, 3, S, S] in [0, 1] and class maps [B, S, S]
 * (int64, 0 = background). Scene {@code i} of the batch uses seed {@code firstSeed + i}.
 */
public record SceneBatch(Tensor images, Tensor labels) {
    public static SceneBatch render(long firstSeed, int count, SceneSpec spec) {
        return render(firstSeed, count, spec, WorldCategories.names());
    }

    /** Labels follow {@code classes} (class k = classes.get(k - 1)). */
    public static SceneBatch render(long firstSeed, int count, SceneSpec spec, List<String> classes) {
        int s = spec.size(), n = s * s;
        float[] img = new float[count * 3 * n];
        long[] lab = new long[count * n];
        for (int i = 0; i < count; i++) {
            Scene scene = SceneRenderer.render(firstSeed + i, spec);
            System.arraycopy(scene.rgbChw(), 0, img, i * 3 * n, 3 * n);
            int[] map = scene.classMap(classes);
            for (int p = 0; p < n; p++) lab[i * n + p] = map[p];
        }
        return new SceneBatch(Tensors.fromFloats(img, count, 3, s, s), Tensors.fromLongs(lab, count, s, s));
    }
}
