package dev.noodle.graph.exec;

/** Supplies host services to nodes (model manager, folders); returns null when a service is unknown. */
public interface ServiceLookup {
    /** The service of this type, or null. */
    <T> T get(Class<T> type);

    /** A lookup with no services. */
    static ServiceLookup none() {
        return new ServiceLookup() {
            @Override
            public <T> T get(Class<T> type) {
                return null;
            }
        };
    }
}
