package dev.groundiff.world;

import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/**
 * The outline of each category in unit coordinates: centred near the origin, fitting about
 * [-1, 1] x [-1, 1], y pointing down (image coordinates). The renderer scales, mirrors, rotates and
 * places these outlines; masks are the pixels whose centres fall inside the placed outline.
 */
public final class Shapes {
    private Shapes() {}

    public static Shape unit(String category) {
        switch (category) {
            case "circle": return circle(0, 0, 1);
            case "square": return new Rectangle2D.Double(-0.8, -0.8, 1.6, 1.6);
            case "triangle": return regularPolygon(3, 1.15, 0.15);
            case "star": return star(5, 1.1, 0.45, 0.1);
            case "heart": return heart();
            case "cross": return cross(0.32);
            case "ring": return minus(circle(0, 0, 1), circle(0, 0, 0.55));
            case "crescent": return minus(circle(0, 0, 1), circle(0.5, -0.05, 0.82));
            case "arrow": return union(new Rectangle2D.Double(-1, -0.2, 1.15, 0.4), polygon(0.05, -0.62, 1, 0, 0.05, 0.62));
            case "oval": return new Ellipse2D.Double(-1, -0.55, 2, 1.1);
            case "bolt": return polygon(-0.1, -1.0, 0.55, -1.0, 0.15, -0.2, 0.6, -0.2, -0.35, 1.0, -0.05, 0.15, -0.5, 0.15);
            case "flower": return flower();
            case "fish": return union(new Ellipse2D.Double(-0.45, -0.5, 1.45, 1.0), polygon(-0.25, 0, -1, -0.6, -1, 0.6));
            case "bone": return bone();
            case "drop": return union(circle(0, 0.35, 0.62), polygon(0, -1, 0.555, 0.074, -0.555, 0.074));
            case "cloud": return cloud();
            case "mushroom": return mushroom();
            case "crown": return polygon(-0.9, 0.6, -0.9, -0.6, -0.45, 0.0, 0, -0.75, 0.45, 0.0, 0.9, -0.6, 0.9, 0.6);
            case "tree": return union(polygon(0, -1.0, 0.62, -0.15, -0.62, -0.15), polygon(0, -0.5, 0.85, 0.6, -0.85, 0.6),
                    new Rectangle2D.Double(-0.18, 0.55, 0.36, 0.45));
            case "house": return union(polygon(-0.95, 0.02, 0, -0.9, 0.95, 0.02), new Rectangle2D.Double(-0.65, 0, 1.3, 0.85));
            default: throw new IllegalArgumentException("no outline for category '" + category + "'");
        }
    }

    private static Ellipse2D circle(double cx, double cy, double r) {
        return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
    }

    private static Path2D polygon(double... xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) p.lineTo(xy[i], xy[i + 1]);
        p.closePath();
        return p;
    }

    private static Area union(Shape... parts) {
        Area a = new Area();
        for (Shape s : parts) a.add(new Area(s));
        return a;
    }

    private static Area minus(Shape a, Shape b) {
        Area r = new Area(a);
        r.subtract(new Area(b));
        return r;
    }

    /** A regular n-gon with circumradius r, first vertex pointing up, shifted down by dy (to centre its bulk). */
    private static Path2D regularPolygon(int n, double r, double dy) {
        double[] xy = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double a = -Math.PI / 2 + 2 * Math.PI * i / n;
            xy[2 * i] = r * Math.cos(a);
            xy[2 * i + 1] = r * Math.sin(a) + dy;
        }
        return polygon(xy);
    }

    private static Path2D star(int points, double outer, double inner, double dy) {
        double[] xy = new double[4 * points];
        for (int i = 0; i < 2 * points; i++) {
            double a = -Math.PI / 2 + Math.PI * i / points;
            double r = i % 2 == 0 ? outer : inner;
            xy[2 * i] = r * Math.cos(a);
            xy[2 * i + 1] = r * Math.sin(a) + dy;
        }
        return polygon(xy);
    }

    private static Path2D cross(double h) {
        return polygon(-h, -1, h, -1, h, -h, 1, -h, 1, h, h, h, h, 1, -h, 1, -h, h, -1, h, -1, -h, -h, -h);
    }

    private static Area heart() {
        // two lobes and the tangent lines from them to the bottom tip
        return union(circle(-0.46, -0.35, 0.5), circle(0.46, -0.35, 0.5), polygon(-0.93, -0.2, 0, -0.4, 0.93, -0.2, 0, 0.95));
    }

    private static Area flower() {
        Area a = new Area(circle(0, 0, 0.45));
        for (int i = 0; i < 6; i++) {
            double t = Math.PI / 2 + i * Math.PI / 3;
            a.add(new Area(circle(0.6 * Math.cos(t), 0.6 * Math.sin(t), 0.38)));
        }
        return a;
    }

    private static Area bone() {
        return union(new Rectangle2D.Double(-0.75, -0.17, 1.5, 0.34),
                circle(-0.75, -0.22, 0.26), circle(-0.75, 0.22, 0.26), circle(0.75, -0.22, 0.26), circle(0.75, 0.22, 0.26));
    }

    private static Area cloud() {
        return union(circle(-0.5, 0.12, 0.4), circle(0, -0.12, 0.56), circle(0.5, 0.12, 0.4), new Rectangle2D.Double(-0.5, 0.12, 1.0, 0.4));
    }

    private static Area mushroom() {
        Area cap = new Area(new Ellipse2D.Double(-1, -0.85, 2, 1.7));
        cap.intersect(new Area(new Rectangle2D.Double(-1, -0.85, 2, 0.9)));
        return union(cap, new Rectangle2D.Double(-0.28, 0, 0.56, 0.9));
    }
}
