package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class SceneRendererTest {
    private static final SceneSpec SPEC = SceneSpec.defaults();

    @Test
    void masksAgreeExactlyWithTheDrawnPixels() {
        int twoObjects = 0, occluded = 0;
        for (long seed = 0; seed < 200; seed++) {
            Scene s = SceneRenderer.render(seed, SPEC);
            BufferedImage img = s.image();
            assertEquals(64, img.getWidth());
            for (SceneObject o : s.objects()) {
                int rgb = o.colour().rgb();
                BitMask.Box b = o.bbox();
                assertEquals(b, o.mask().bbox());
                assertTrue(o.mask().area() >= SceneRenderer.MIN_VISIBLE_PIXELS_64, "seed " + seed + ": " + o);
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 64; x++) {
                        boolean colourMatches = (img.getRGB(x, y) & 0xffffff) == rgb;
                        if (o.mask().get(x, y)) assertTrue(colourMatches, "seed " + seed + ": mask pixel " + x + "," + y + " of " + o.category() + " is not " + o.colour());
                        if (colourMatches) assertTrue(o.mask().get(x, y), "seed " + seed + ": pixel " + x + "," + y + " has the colour of " + o.category() + " but is outside its mask");
                        if (!b.contains(x, y)) assertFalse(o.mask().get(x, y));
                    }
                }
            }
            if (s.objects().size() == 2) {
                twoObjects++;
                SceneObject back = s.objects().get(0), front = s.objects().get(1);
                assertEquals(0, back.mask().intersectionArea(front.mask()), "visible masks are disjoint");
                assertNotEquals(back.colour(), front.colour());
                assertNotEquals(back.category(), front.category());
                if (touches(back.mask(), front.mask())) occluded++;
            }
        }
        assertTrue(twoObjects > 60 && twoObjects < 140, "about half the scenes have two objects: " + twoObjects);
        assertTrue(occluded > 0, "some scenes have overlapping objects");
    }

    /** Whether the two masks are 4-neighbours somewhere (the front one cut into the back one or sits next to it). */
    private static boolean touches(BitMask a, BitMask b) {
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x + 1 < a.width(); x++) {
                if (a.get(x, y) && b.get(x + 1, y) || b.get(x, y) && a.get(x + 1, y)) return true;
            }
        }
        return false;
    }

    @Test
    void noBackgroundCanHaveAnObjectColour() {
        for (WorldColour c : WorldColour.values()) {
            boolean outside = false;
            for (int v : new int[] {c.r, c.g, c.b}) outside |= v < Background.CHANNEL_MIN || v > Background.CHANNEL_MAX;
            assertTrue(outside, c + " fits inside the background range");
        }
    }

    @Test
    void sceneDependsOnlyOnSeedAndSpec() {
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            Scene a = SceneRenderer.render(seed, SPEC), b = SceneRenderer.render(seed, SPEC);
            assertArrayEquals(pixels(a.image()), pixels(b.image()));
            assertEquals(a.caption(), b.caption());
            assertEquals(a.objects(), b.objects());
        }
        assertFalse(java.util.Arrays.equals(pixels(SceneRenderer.render(1, SPEC).image()), pixels(SceneRenderer.render(2, SPEC).image())));
        Scene small = SceneRenderer.render(3, SPEC.withSize(48));
        assertEquals(48, small.width());
        assertEquals(48, small.objects().get(0).mask().width());
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void categoriesGroupsAndSplitsAreWellFormed() {
        assertEquals(20, WorldCategories.ALL.size());
        assertEquals(20, new HashSet<>(WorldCategories.names()).size());
        Set<String> union = new HashSet<>();
        for (int g = 0; g < WorldCategories.GROUPS; g++) {
            assertEquals(5, WorldCategories.group(g).size());
            union.addAll(WorldCategories.group(g));
        }
        assertEquals(Set.copyOf(WorldCategories.names()), union);
        Set<String> everUnseen = new HashSet<>();
        for (int k = 1; k <= WorldCategories.SPLITS; k++) {
            dev.groundiff.data.Split s = WorldCategories.split(k);
            assertEquals("world:" + k, s.name());
            assertEquals(15, s.seen().size());
            assertEquals(5, s.unseen().size());
            Set<String> both = new HashSet<>(s.seen());
            both.retainAll(s.unseen());
            assertTrue(both.isEmpty());
            both.addAll(s.seen());
            both.addAll(s.unseen());
            assertEquals(20, both.size());
            everUnseen.addAll(s.unseen());
        }
        assertEquals(15, everUnseen.size(), "three disjoint unseen groups");
        for (String c : WorldCategories.group(0)) assertFalse(everUnseen.contains(c), c + " is never unseen");
        for (int i = 0; i < 20; i++) assertEquals(i + 1, WorldCategories.ALL.get(i).classIndex());
        assertThrows(GroundiffException.class, () -> WorldCategories.split(4));
        assertThrows(GroundiffException.class, () -> WorldCategories.byName("dog"));
    }

    @Test
    void everyCategoryIsDrawnAndNamed() {
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 300; seed++) for (SceneObject o : SceneRenderer.render(seed, SPEC).objects()) seen.add(o.category());
        assertEquals(Set.copyOf(WorldCategories.names()), seen);
    }

    @Test
    void captionsNameTheObjects() {
        Pattern form = Pattern.compile("a photograph of an? ((\\w+) )?(\\w+)( and an? ((\\w+) )?(\\w+))?");
        int withColour = 0, without = 0;
        for (long seed = 0; seed < 200; seed++) {
            Scene s = SceneRenderer.render(seed, SPEC);
            String c = s.caption();
            assertTrue(form.matcher(c).matches(), c);
            for (SceneObject o : s.objects()) assertTrue(c.contains(" " + o.category()), c + " lacks " + o.category());
            boolean coloured = s.objects().stream().allMatch(o -> c.contains(o.colour().word() + " " + o.category()));
            boolean plain = s.objects().stream().noneMatch(o -> c.contains(o.colour().word() + " "));
            assertTrue(coloured ^ plain, c);
            if (coloured) withColour++; else without++;
        }
        assertTrue(withColour > 100 && without > 30, withColour + " with colours, " + without + " without");
        assertEquals("an orange arrow", Captions.phrase("arrow", WorldColour.ORANGE));
        assertEquals("a star", Captions.phrase("star", null));
    }

    @Test
    void specRestrictsCategoriesAndCounts() {
        SceneSpec only = SPEC.withCategories(List.of("star", "ring")).withObjects(2, 2);
        for (long seed = 0; seed < 20; seed++) {
            Scene s = SceneRenderer.render(seed, only);
            assertEquals(Set.of("star", "ring"), Set.of(s.objects().get(0).category(), s.objects().get(1).category()));
        }
        assertThrows(GroundiffException.class, () -> SPEC.withCategories(List.of("star")).withObjects(1, 2));
        assertThrows(GroundiffException.class, () -> SPEC.withCategories(List.of("star", "dog")));
        assertThrows(GroundiffException.class, () -> SPEC.withSize(8));
    }

    @Test
    void classMapMarksVisibleObjects() {
        Scene s = SceneRenderer.render(5, SPEC);
        int[] map = s.classMap();
        for (SceneObject o : s.objects()) {
            int cls = WorldCategories.byName(o.category()).classIndex();
            int n = 0;
            for (int v : map) if (v == cls) n++;
            assertEquals(o.mask().area(), n);
        }
    }
}
