package dev.noodle.engine.diffusion;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives every area-restricted entry an opposite of the same area in each other conditioning list, as ComfyUI's
 * {@code create_cond_with_same_area_if_none} does before sampling: for an entry with an area in one list, the
 * smallest entry of another list whose area contains it (else one that applies everywhere) lends its text (context,
 * pooled output, y) to a copy of the entry — same area, strength, mask and σ range — appended to that list, unless
 * that smallest entry already has exactly this area. So the negative is mixed with the same weights as the positive
 * in every region. Stateless.
 */
public final class OppositeAreas {
    private OppositeAreas() {}

    /**
     * The lists with the opposite entries added, in ComfyUI's order (each list's entries, then each other list).
     *
     * @param lists the guider's conditioning lists in its order (CFG: positive, negative)
     */
    public static List<List<CondEntry>> apply(List<List<CondEntry>> lists) {
        List<List<CondEntry>> out = new ArrayList<>();
        for (List<CondEntry> l : lists) {
            out.add(new ArrayList<>(l));
        }
        for (int k = 0; k < out.size(); k++) {
            List<CondEntry> from = out.get(k);
            for (int i = 0; i < from.size(); i++) {
                for (int kk = 0; kk < out.size(); kk++) {
                    if (kk != k) {
                        addOpposite(out.get(kk), from.get(i));
                    }
                }
            }
        }
        return out.stream().map(List::copyOf).toList();
    }

    private static void addOpposite(List<CondEntry> list, CondEntry c) {
        LatentArea a = c.area();
        if (a == null) {
            return;
        }
        CondEntry smallest = null;
        for (CondEntry x : list) {
            if (x.area() != null) {
                if (inside(a, x.area())) {
                    if (smallest == null || smallest.area() == null || size(smallest.area()) > size(x.area())) {
                        smallest = x;
                    }
                }
            } else if (smallest == null) {
                smallest = x;
            }
        }
        if (smallest == null || a.equals(smallest.area())) {
            return;
        }
        list.add(new CondEntry(smallest.context(), smallest.pooled(), c.strength(), a, smallest.y(), c.mask(),
                c.sigmaStart(), c.sigmaEnd(), c.patches()));
    }

    private static boolean inside(LatentArea a, LatentArea outer) {
        return a.x() >= outer.x() && a.y() >= outer.y() && a.x() + a.width() <= outer.x() + outer.width()
                && a.y() + a.height() <= outer.y() + outer.height();
    }

    private static long size(LatentArea a) {
        return (long) a.width() * a.height();
    }
}
