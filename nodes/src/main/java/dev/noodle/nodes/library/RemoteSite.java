package dev.noodle.nodes.library;

/** Which site a download comes from, for the advice a refusal gives. */
public enum RemoteSite {
    CIVITAI("Civitai"),
    HUGGING_FACE("Hugging Face"),
    OTHER("the server");

    private final String title;

    RemoteSite(String title) {
        this.title = title;
    }

    /** The site's name in messages. */
    public String title() {
        return title;
    }

    /**
     * Why a download was refused or sent to a login page, and what to do, for a file whose page is {@code page}.
     *
     * @param tokenSent whether a token was sent with the request
     */
    String loginAdvice(String page, boolean tokenSent) {
        return switch (this) {
            case CIVITAI -> tokenSent
                    ? "Civitai did not accept the API key in CIVITAI_TOKEN for " + page + " (it answered with its"
                            + " login page): check the key at civitai.com/user/account, or whether this version is"
                            + " in early access"
                    : "this model needs a Civitai API key: " + page + " is only downloadable when logged in. Create"
                            + " a key at civitai.com/user/account (API Keys), set CIVITAI_TOKEN=<key> and run again";
            case HUGGING_FACE -> tokenSent
                    ? "Hugging Face did not accept the token in HF_TOKEN for " + page + ": open the page, accept"
                            + " the repository's terms with the same account, or check the token"
                    : "this Hugging Face repository is gated or private: open " + page + ", accept its terms,"
                            + " create a read token at huggingface.co/settings/tokens, set HF_TOKEN=<token> and"
                            + " run again";
            case OTHER -> "the server asks for a login (" + page + "); download the file in a browser and add the"
                    + " file instead";
        };
    }
}
