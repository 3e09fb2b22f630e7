package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads honour the proxy environment variables and Java's proxy properties. */
class ProxySettingsTest {
    @Test
    void environmentVariablesChooseTheProxyAndNoProxyExempts() {
        var sel = ProxySettings.selector(Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "http_proxy",
                "plain.corp:8080", "no_proxy", "localhost,.internal.example,10.0.0.7:8443"), new Properties());
        assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128))),
                sel.select(URI.create("https://civitai.com/api/v1/models/1")));
        assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("plain.corp", 8080))),
                sel.select(URI.create("http://example.org/x")));
        assertEquals(List.of(Proxy.NO_PROXY), sel.select(URI.create("https://files.internal.example/x")));
        assertEquals(List.of(Proxy.NO_PROXY), sel.select(URI.create("http://localhost:8188/x")));
        assertEquals(List.of(Proxy.NO_PROXY), sel.select(URI.create("https://10.0.0.7:8443/x")));
        assertFalse(sel.select(URI.create("https://10.0.0.7/x")).contains(Proxy.NO_PROXY), "other port");
        var all = ProxySettings.selector(Map.of("https_proxy", "http://p:1", "NO_PROXY", "*"), new Properties());
        assertEquals(List.of(Proxy.NO_PROXY), all.select(URI.create("https://civitai.com/")));
    }

    @Test
    void javaProxyPropertiesWinOverTheEnvironment() {
        Properties p = new Properties();
        p.setProperty("https.proxyHost", "javaproxy");
        var sel = ProxySettings.selector(Map.of("https_proxy", "http://envproxy:1"), p);
        assertTrue(sel == java.net.ProxySelector.getDefault(), "the JDK's selector reads -Dhttps.proxyHost");
    }

    @Test
    void aBadProxyVariableIsNamed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProxySettings.selector(Map.of("https_proxy", "http://"), new Properties()));
        assertTrue(e.getMessage().startsWith("https_proxy="), e.getMessage());
    }

    @Test
    void aDownloadGoesThroughTheProxyInHttpProxy(@TempDir Path dir) throws Exception {
        List<String> proxied = new CopyOnWriteArrayList<>();
        HttpClient forward = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext("/", ex -> {
            // a forwarding proxy sees absolute request targets
            proxied.add(ex.getRequestURI().toString());
            try (ex) {
                HttpResponse<byte[]> r = forward.send(HttpRequest.newBuilder(ex.getRequestURI())
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                r.headers().map().forEach((k, v) -> {
                    if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("transfer-encoding")
                            && !k.startsWith(":")) {
                        ex.getResponseHeaders().put(k, v);
                    }
                });
                boolean noBody = ex.getRequestMethod().equals("HEAD") || r.body().length == 0;
                ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : r.body().length);
                if (!noBody) {
                    ex.getResponseBody().write(r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
        try (FakeModelSites sites = new FakeModelSites()) {
            byte[] model = ModelDownloadsTest.bytes(80_000, 7);
            sites.civitaiModel(31, 310, "LORA", "SD 1.5", List.of(), "", Map.of("proxied.safetensors", model));
            String proxyAddress = "http://127.0.0.1:" + proxy.getAddress().getPort();
            DownloadSettings s = DownloadSettings.fromEnvironment(Map.of("http_proxy", proxyAddress),
                    new Properties()).withBases(sites.siteBase(), sites.siteBase());
            DownloadedModel m = new ModelDownloads(s).download(sites.siteBase() + "/api/download/models/310", dir,
                    DownloadProgress.NONE);
            assertArrayEquals(model, Files.readAllBytes(m.file()));
            assertTrue(proxied.contains(sites.siteBase() + "/api/v1/model-versions/310"), proxied.toString());
            assertTrue(proxied.stream().anyMatch(u -> u.startsWith(sites.storageBase() + "/files/proxied")),
                    proxied.toString());

            // the same download with the site exempted in no_proxy goes direct
            proxied.clear();
            DownloadSettings exempt = DownloadSettings.fromEnvironment(Map.of("http_proxy", proxyAddress,
                    "no_proxy", "127.0.0.1"), new Properties()).withBases(sites.siteBase(), sites.siteBase());
            new ModelDownloads(exempt).download(sites.siteBase() + "/api/download/models/310", dir.resolve("b"),
                    DownloadProgress.NONE);
            assertEquals(List.of(), proxied);

            // a proxy that is down is named in the error
            DownloadSettings dead = DownloadSettings.fromEnvironment(Map.of("http_proxy", "http://127.0.0.1:1"),
                    new Properties()).withBases(sites.siteBase(), sites.siteBase());
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
                    new ModelDownloads(dead).download(sites.storageBase() + "/files/proxied.safetensors",
                            dir.resolve("c"), DownloadProgress.NONE));
            assertTrue(e.getMessage().contains("proxy"), e.getMessage());

            // a proxy that wants a password says so
            HttpServer login = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            login.createContext("/", ex -> {
                try (ex) {
                    ex.getResponseHeaders().add("Proxy-Authenticate", "Basic realm=\"corp\"");
                    ex.sendResponseHeaders(407, -1);
                }
            });
            login.start();
            try {
                DownloadSettings guarded = DownloadSettings.fromEnvironment(Map.of("http_proxy", "http://127.0.0.1:"
                        + login.getAddress().getPort()), new Properties()).withBases(sites.siteBase(),
                        sites.siteBase());
                IOException auth = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
                        new ModelDownloads(guarded).download(sites.storageBase() + "/files/proxied.safetensors",
                                dir.resolve("d"), DownloadProgress.NONE));
                assertTrue(auth.getMessage().startsWith("The proxy 127.0.0.1:" + login.getAddress().getPort()
                        + " asks for a login (HTTP 407)"), auth.getMessage());
                IOException api = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () ->
                        new ModelDownloads(guarded).download(sites.siteBase() + "/api/download/models/310",
                                dir.resolve("d"), DownloadProgress.NONE));
                assertTrue(api.getMessage().contains("HTTP 407"), api.getMessage());
            } finally {
                login.stop(0);
            }
        } finally {
            proxy.stop(0);
        }
    }
}
