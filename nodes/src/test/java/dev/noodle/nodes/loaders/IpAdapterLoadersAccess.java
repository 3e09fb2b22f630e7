package dev.noodle.nodes.loaders;

import java.util.List;

/** Test access to the unified loader's file-name lookup. */
public final class IpAdapterLoadersAccess {
    private IpAdapterLoadersAccess() {}

    public static String clipVision(List<String> names, String preset) {
        return IpAdapterLoaders.clipVisionFile(names, preset);
    }

    public static String ipAdapter(List<String> names, String preset, boolean sdxl) {
        return IpAdapterLoaders.ipAdapterFile(names, preset, sdxl);
    }
}
