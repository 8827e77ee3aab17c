"""The HTTP side: one package per dialect (`openai`, `azure`, `app`), each with its routes,
request parsing, renderers and error envelope, and the packages they share (`server`, `access`,
`parsing`, `content`, `images`, `short_way`, `recordings`). Dialects call the core, never the
store or the providers."""
