/*
 * A stand-in for a library a plugin vendors and links statically (sdk.private_symbols), built
 * the way such libraries usually are: default visibility, no SDK flags. It happens to define a
 * function that libjansson, which the mcpd process links, exports too.
 */
const char *jansson_version_str(void);

const char *jansson_version_str(void)
{
    return "interpose-vendored";
}
