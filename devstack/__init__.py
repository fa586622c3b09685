"""Local development stack: throwaway infrastructure, the sandbox and the five services."""
