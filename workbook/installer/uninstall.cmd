@echo off
rem cpxl offline uninstaller: removes the add-in from XLSTART and the virtual environment install.cmd made.
setlocal
chcp 65001 >nul
set "HERE=%~dp0"
set "PY="
for %%v in (3.14 3.13 3.12 3.11) do (
  if not defined PY (
    py -%%v-64 -c "import sys" >nul 2>&1 && set "PY=py -%%v-64"
  )
)
if not defined PY (
  python -c "import sys; sys.exit(0 if sys.maxsize > 2**32 else 1)" >nul 2>&1 && set "PY=python"
)
if not defined PY (
  echo 未找到 64 位的 Python 3.11-3.14。请先从 python.org 安装 Python（Windows installer 64-bit），再运行本程序。
  echo No 64-bit Python 3.11-3.14 found. Install Python from python.org first, then run this again.
  pause
  exit /b 1
)
%PY% "%HERE%cpxl_setup.py" uninstall %*
set "RC=%ERRORLEVEL%"
pause
exit /b %RC%
